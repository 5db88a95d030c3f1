#include "auth/ceiling.h"

#include "obs/metrics.h"
#include "util/clock.h"
#include "util/failure.h"

namespace cfiam::auth {
namespace {

Failure Exceeds(std::string message) {
  obs::metrics::CountAuthz(obs::metrics::Outcome::kCeilingRefused);
  return Failure::Forbidden(std::move(message));
}

// Whether `range` can match an address `ip` lets through: it is covered by
// one of `ip`'s not_in ranges, or (when `ip` has in ranges) disjoint from all
// of them. CIDR ranges are either nested or disjoint.
bool Excluded(const Cidr& range, const IpCondition& ip) {
  for (const Cidr& out : ip.not_in()) {
    if (out.Covers(range)) return true;
  }
  if (ip.in().empty()) return false;
  for (const Cidr& in : ip.in()) {
    if (in.Covers(range) || range.Covers(in)) return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& Ceiling::RoleKeys(const Role& role) { return role.keys; }

void Ceiling::RequireKey(const Principal& p, std::string_view account_id, const std::string& key,
                         std::string_view what) const {
  if (authorizer_.Allows(p, account_id, key)) return;
  std::string message = "The caller does not hold the permission ";
  message += key;
  message += " in this account, so it cannot grant ";
  message += what;
  throw Exceeds(std::move(message));
}

void Ceiling::RequireToken(const Principal& p, std::string_view account_id,
                           const TokenPolicy& policy, const TokenLimits& limits) const {
  for (const Grant& g : policy.grants) {
    if (g.deny) continue;
    for (const std::string& key : g.keys) RequireKey(p, account_id, key, "it to a token");
  }
  if (p.token) RequireWithinCaller(p.token, limits);
}

void Ceiling::RequireUserToken(const Principal& p, const TokenPolicy* policy,
                               const TokenLimits& limits,
                               const std::vector<std::string>& member_accounts) const {
  if (!policy || policy->grants.empty()) {
    if (p.restricted()) {
      throw Exceeds(
          "A token limited by policies cannot obtain a token with all of its user's "
          "permissions");
    }
  } else {
    for (const Grant& g : policy->grants) {
      if (g.deny) continue;
      for (const std::string& key : g.keys) {
        for (const ResourceMatcher::Entry& e : g.resources.entries()) {
          RequireUserEntry(p, e, key, member_accounts);
        }
      }
    }
  }
  if (p.token) RequireWithinCaller(p.token, limits);
}

void Ceiling::RequireUserEntry(const Principal& p, const ResourceMatcher::Entry& e,
                               const std::string& key,
                               const std::vector<std::string>& member_accounts) const {
  if (!e.user.empty()) {
    if (e.user != p.user->id) {
      throw Failure::Invalid("policies",
                             "a user token may only name its own user, not "
                             "com.cloudflare.api.user." +
                                 e.user);
    }
    if (!authorizer_.UserAllows(p, key)) {
      throw Exceeds("The caller does not hold the permission " + key +
                    " on its user, so it cannot grant it to a token");
    }
    return;
  }
  if (!e.account.empty() && e.account != "*") {
    RequireKey(p, e.account, key, "it to a token");
    return;
  }
  // A wildcard reaches every account the user is in, and later ones too.
  for (const std::string& account : member_accounts) {
    RequireKey(p, account, key, "it to a token on every account");
  }
  // A probe without an account id matches only the caller's own wildcards.
  if (p.restricted() &&
      p.token.policy()->Decide(key, {"", e.zone}) != TokenPolicy::Decision::kAllow) {
    throw Exceeds("The calling token does not hold the permission " + key +
                  " on every account, so it cannot grant it to a token on every account");
  }
}

void Ceiling::RequireWithinCaller(const TokenRef& caller, const TokenLimits& limits) {
  // The caller is valid now, so now >= its not_before: a token without one
  // starts now and lies inside; an explicit earlier start does not.
  const auto not_before = caller.not_before();
  const auto expires_on = caller.expires_on();
  if (not_before && limits.not_before && *limits.not_before < *not_before) {
    throw Exceeds("not_before: a token cannot be valid before the token that makes it");
  }
  if (expires_on && (!limits.expires_on || *limits.expires_on > *expires_on)) {
    throw Exceeds("expires_on: a token cannot outlive the token that makes it (" +
                  FormatRfc3339(*expires_on) + ")");
  }
  static const IpCondition kNone;
  const IpCondition& mine = caller.policy() ? caller.policy()->ip : kNone;
  const IpCondition& theirs = limits.ip ? *limits.ip : kNone;
  if (!mine.in().empty()) {
    if (theirs.in().empty()) {
      throw Exceeds("condition.request_ip.in: the token that makes this one is limited to " +
                    mine.in().front().text() + " and others; so must this one be");
    }
    for (const Cidr& range : theirs.in()) {
      bool inside = false;
      for (const Cidr& allowed : mine.in()) inside = inside || allowed.Covers(range);
      if (!inside) {
        throw Exceeds("condition.request_ip.in: " + range.text() +
                      " is wider than the addresses the calling token may use");
      }
    }
  }
  for (const Cidr& refused : mine.not_in()) {
    if (!Excluded(refused, theirs)) {
      throw Exceeds("condition.request_ip.not_in: the calling token may not be used from " +
                    refused.text() + "; neither may this one");
    }
  }
}

void Ceiling::RequireRole(const Principal& p, std::string_view account_id, const Role& role) const {
  const std::string what = "the role " + role.name;
  for (const std::string& key : RoleKeys(role)) RequireKey(p, account_id, key, what);
}

void Ceiling::RequireRoles(const Principal& p, std::string_view account_id,
                           const std::vector<std::string>& role_ids) const {
  for (const std::string& id : role_ids) {
    if (const Role* role = catalog_.FindRole(id)) RequireRole(p, account_id, *role);
  }
}

void Ceiling::RequirePolicies(const Principal& p, std::string_view account_id,
                              const std::vector<Policy>& policies) const {
  for (const Policy& policy : policies) {
    if (policy.access == "deny") continue;
    // Whatever the policy's resource groups, holding the permission group's
    // keys on the whole account is what covers it.
    RequireRoles(p, account_id, policy.permission_group_ids);
  }
}

}  // namespace cfiam::auth
