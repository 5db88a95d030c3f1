#include "auth/authorizer.h"

#include "auth/token_policy.h"
#include "obs/metrics.h"
#include "util/failure.h"

namespace cfiam::auth {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Failure AccountNotFound() { return Failure::NotFound("Account"); }

enum class Effect { kNone, kAllow, kDeny };

}  // namespace

namespace {

// The effect of `policies` for an account-level `key`: deny if any matching
// policy denies, else allow if any matching one allows.
Effect PoliciesEffect(const std::vector<Policy>& policies, const Directory& directory,
                      const Catalog& catalog, std::string_view account_id, std::string_view key) {
  const std::string account_scope = "com.cloudflare.api.account." + std::string(account_id);
  Effect effect = Effect::kNone;
  for (const Policy& policy : policies) {
    bool grants = false;
    for (const std::string& pg : policy.permission_group_ids) {
      const Role* role = catalog.FindRole(pg);
      if (role && Authorizer::RoleGrants(*role, key)) {
        grants = true;
        break;
      }
    }
    if (!grants) continue;
    bool covers = false;
    for (const std::string& rg_id : policy.resource_group_ids) {
      auto rg = directory.FindResourceGroup(rg_id);
      if (!rg || rg->scope_key != account_scope) continue;
      for (const std::string& object : rg->objects) covers = covers || object == "*";
      if (covers) break;
    }
    if (!covers) continue;
    if (policy.access == "deny") return Effect::kDeny;
    effect = Effect::kAllow;
  }
  return effect;
}

}  // namespace

bool Authorizer::RoleGrants(const Role& role, std::string_view key) {
  std::string_view category;
  bool write = false;
  if (!key.empty() && key.front() == '#') {
    // "#<category>:read" or "#<category>:edit"
    const auto colon = key.find(':');
    if (colon == std::string_view::npos) return false;
    category = key.substr(1, colon - 1);
    const std::string_view verb = key.substr(colon + 1);
    if (verb != "read" && verb != "edit") return false;
    write = verb == "edit";
  } else {
    // Resource-style keys (com.cloudflare.api.…) are account administration:
    // reads need organization.read, everything else organization.write.
    category = "organization";
    write = !(EndsWith(key, ".read") || EndsWith(key, ".list"));
  }
  for (const RolePermission& perm : role.permissions) {
    if (perm.category == category) return write ? perm.write : perm.read;
  }
  return false;
}

Authorizer::Verdict Authorizer::Check(const Principal& p, std::string_view account_id,
                                      std::string_view key) const {
  if (p.tenant_admin()) return Verdict::kAllowed;
  if (p.is_account_token()) {
    // An account token acts as its account and only there.
    if (!p.token || p.token->account_id != account_id || !p.token->policy) {
      return Verdict::kInvisible;
    }
    const TokenPolicy& policy = *p.token->policy;
    if (key.empty()) return policy.HasAnyAllowIn(account_id) ? Verdict::kAllowed : Verdict::kDenied;
    return policy.Decide(key, {account_id, ""}) == TokenPolicy::Decision::kAllow ? Verdict::kAllowed
                                                                                 : Verdict::kDenied;
  }
  const Verdict user = UserVerdict(p, account_id, key);
  if (user == Verdict::kInvisible || !p.restricted()) return user;
  // A restricted user token: the intersection of its policies and its user's
  // rights. An account its policies never reach is invisible to it.
  const TokenPolicy& policy = *p.token->policy;
  if (!policy.HasAnyAllowIn(account_id)) return Verdict::kInvisible;
  if (user == Verdict::kDenied) return user;
  if (key.empty()) return Verdict::kAllowed;
  return policy.Decide(key, {account_id, ""}) == TokenPolicy::Decision::kAllow ? Verdict::kAllowed
                                                                               : Verdict::kDenied;
}

Authorizer::Verdict Authorizer::UserVerdict(const Principal& p, std::string_view account_id,
                                            std::string_view key) const {
  if (p.user && p.user->tenant_admin) return Verdict::kAllowed;
  auto member = p.user ? directory_.FindMember(account_id, p.user->id) : nullptr;
  if (!member || member->status != "accepted") return Verdict::kInvisible;
  if (key.empty()) return Verdict::kAllowed;
  return MemberAllowed(*member, key) ? Verdict::kAllowed : Verdict::kDenied;
}

bool Authorizer::UserAllows(const Principal& p, std::string_view key) const {
  if (!p.user || p.is_account_token()) return false;
  if (!p.restricted()) return true;  // a user holds every right over itself
  return p.token->policy->Decide(key, {"", "", p.user->id}) == TokenPolicy::Decision::kAllow;
}

void Authorizer::RequireUser(const Principal& p, std::string_view key) const {
  if (!UserAllows(p, key)) throw Failure::Forbidden();
}

void Authorizer::RequireInAccount(const Principal& p, std::string_view account_id,
                                  std::string_view key) const {
  if (!directory_.AccountExists(account_id)) throw AccountNotFound();
  switch (Check(p, account_id, key)) {
    case Verdict::kAllowed:
      return;
    case Verdict::kInvisible:
      obs::metrics::CountAuthz(obs::metrics::Outcome::kNotMember);
      throw AccountNotFound();
    case Verdict::kDenied:
      obs::metrics::CountAuthz(obs::metrics::Outcome::kMissingPermission);
      throw Failure::Forbidden();
  }
}

bool Authorizer::Allows(const Principal& p, std::string_view account_id,
                        std::string_view key) const {
  return Check(p, account_id, key) == Verdict::kAllowed;
}

bool Authorizer::MemberAllowed(const Member& member, std::string_view key) const {
  bool allowed = false;
  for (const std::string& role_id : member.role_ids) {
    if (const Role* role = catalog_.FindRole(role_id); role && RoleGrants(*role, key)) {
      allowed = true;
      break;
    }
  }
  Effect own = PoliciesEffect(member.policies, directory_, catalog_, member.account_id, key);
  if (own == Effect::kDeny) return false;
  allowed = allowed || own == Effect::kAllow;
  for (const auto& group : directory_.GroupsOfMember(member.id)) {
    Effect e = PoliciesEffect(group->policies, directory_, catalog_, member.account_id, key);
    if (e == Effect::kDeny) return false;
    allowed = allowed || e == Effect::kAllow;
  }
  return allowed;
}

void Authorizer::RequireTenantAdmin(const Principal& p) const {
  if (!p.tenant_admin()) {
    obs::metrics::CountAuthz(obs::metrics::Outcome::kMissingPermission);
    throw Failure::Forbidden();
  }
}

}  // namespace cfiam::auth
