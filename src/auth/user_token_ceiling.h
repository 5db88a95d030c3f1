// The ceiling for user-owned tokens: a caller may never create, change or
// obtain (roll) a user token that exceeds what the caller holds.
//
//   * Every allowed key on every resource the token names must be held by the
//     caller there: in a named account, through Authorizer::Allows (the user's
//     rights, intersected with the calling token's policies); on an account or
//     zone wildcard, in every account the user is an accepted member of and,
//     when the caller is a restricted token, by a wildcard grant of its own;
//     on the user resource, through Authorizer::UserAllows. A user resource
//     must be the caller's own user (400).
//   * A token without policies (full rights of its user) may be obtained only
//     by an unrestricted caller.
//   * When the caller is itself a token, the new token's window lies inside
//     the caller's [not_before, expires_on) and its request_ip condition
//     admits no address the caller's refuses.
// Violations are 403 10000 naming what is exceeded.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "auth/authorizer.h"
#include "auth/principal.h"
#include "auth/token_policy.h"

namespace cfiam::auth {

// What a user token would be able to do.
struct UserTokenShape {
  const TokenPolicy* policy = nullptr;  // no grants: the user's full rights
  std::optional<Micros> not_before;
  std::optional<Micros> expires_on;
};

// REQUIRES: `caller` is a user principal (API key or user token) and
// `member_accounts` lists the accounts its user is an accepted member of.
void CheckUserTokenWithinCaller(const Principal& caller, const Authorizer& authorizer,
                                const UserTokenShape& token,
                                const std::vector<std::string>& member_accounts);

}  // namespace cfiam::auth
