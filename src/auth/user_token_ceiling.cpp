#include "auth/user_token_ceiling.h"

#include "util/api_error.h"
#include "util/clock.h"

namespace cfiam::auth {
namespace {

ApiError Exceeds(const std::string& what) {
  return ApiError(403, codes::kAuthenticationError,
                  "A token cannot be granted permissions its creator does not hold (" + what +
                      ")");
}

// `key` on one resource entry of the new token.
void CheckEntry(const Principal& caller, const Authorizer& authorizer,
                const ResourceMatcher::Entry& e, const std::string& key,
                const std::vector<std::string>& member_accounts) {
  if (!e.user.empty()) {
    if (e.user != caller.user->id) {
      throw ApiError::Invalid("policies", "a user token may only name its own user (" +
                                              std::string("com.cloudflare.api.user.") + e.user +
                                              ")");
    }
    if (!authorizer.UserAllows(caller, key)) throw Exceeds(key);
    return;
  }
  if (!e.account.empty() && e.account != "*") {
    if (!authorizer.Allows(caller, e.account, key)) throw Exceeds(key);
    return;
  }
  // An account or zone wildcard reaches every account the user is in, and
  // later ones too: the caller must hold the key in all of them and, if it is
  // a restricted token, through a wildcard of its own (a probe with no
  // account id matches only wildcards).
  for (const std::string& account : member_accounts) {
    if (!authorizer.Allows(caller, account, key)) throw Exceeds(key);
  }
  if (caller.restricted() &&
      caller.token->policy->Decide(key, {"", e.zone}) != TokenPolicy::Decision::kAllow) {
    throw Exceeds(key);
  }
}

void CheckWindow(const Token& caller, const UserTokenShape& t) {
  if (caller.not_before && t.not_before && *t.not_before < *caller.not_before) {
    throw Exceeds("not_before earlier than the calling token's");
  }
  if (caller.expires_on && (!t.expires_on || *t.expires_on > *caller.expires_on)) {
    throw Exceeds("expires_on later than the calling token's");
  }
}

// Every address `t` admits, `caller` admits: each of its `in` ranges inside
// one of the caller's (when the caller has any), and each range the caller
// refuses either refused by `t` too or outside all of `t`'s `in` ranges.
void CheckIp(const IpCondition& caller, const IpCondition& t) {
  if (!caller.in().empty()) {
    if (t.in().empty()) throw Exceeds("condition.request_ip.in wider than the calling token's");
    for (const Cidr& n : t.in()) {
      bool inside = false;
      for (const Cidr& c : caller.in()) inside = inside || c.Covers(n);
      if (!inside) throw Exceeds("condition.request_ip.in " + n.text());
    }
  }
  for (const Cidr& c : caller.not_in()) {
    bool refused = false;
    for (const Cidr& n : t.not_in()) refused = refused || n.Covers(c);
    if (refused) continue;
    bool outside = !t.in().empty();
    for (const Cidr& n : t.in()) outside = outside && !n.Covers(c) && !c.Covers(n);
    if (!outside) throw Exceeds("condition.request_ip must refuse " + c.text());
  }
}

}  // namespace

void CheckUserTokenWithinCaller(const Principal& caller, const Authorizer& authorizer,
                                const UserTokenShape& token,
                                const std::vector<std::string>& member_accounts) {
  const bool full = !token.policy || token.policy->grants.empty();
  if (full) {
    if (caller.restricted()) throw Exceeds("all of the user's permissions");
  } else {
    for (const Grant& g : token.policy->grants) {
      if (g.deny) continue;  // a deny only narrows
      for (const std::string& key : g.keys) {
        for (const ResourceMatcher::Entry& e : g.resources.entries()) {
          CheckEntry(caller, authorizer, e, key, member_accounts);
        }
      }
    }
  }
  if (caller.token) {
    CheckWindow(*caller.token, token);
    const IpCondition anywhere;
    if (caller.token->policy) {
      CheckIp(caller.token->policy->ip, token.policy ? token.policy->ip : anywhere);
    }
  }
}

}  // namespace cfiam::auth
