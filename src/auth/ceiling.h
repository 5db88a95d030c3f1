// Ceiling: the one rule every grant-giving operation calls.
//
//   A caller may never create, change or obtain a credential or grant that
//   exceeds what it holds itself, in that account, at that moment.
//
// "What it holds" is exactly what the Authorizer answers for the caller (a
// tenant admin holds everything; a Super Administrator holds everything in
// its account). Grants are compared as permission keys: a token's allow
// grants by their keys, a role (or an IAM policy's permission group, which is
// a role in IAM form) by the keys of its permission map. A caller that is
// itself a token also bounds the conditions of the tokens it makes: their
// validity window must lie inside its own and their request_ip may be no
// wider than its own.
//
// Every check throws Failure 403 (code 10000) naming what exceeds the caller
// and changes nothing; callers run it inside the request's unit of work, so
// the decision is made against the state the change commits on. Narrowing
// (deny policies, deleting or removing) never needs the ceiling.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/authorizer.h"
#include "auth/catalog.h"
#include "auth/principal.h"
#include "auth/token_policy.h"
#include "domain/model.h"

namespace cfiam::auth {

// The validity window and address condition of a token being made.
struct TokenLimits {
  std::optional<Micros> not_before;
  std::optional<Micros> expires_on;
  const IpCondition* ip = nullptr;  // nullptr: no condition
};

class Ceiling {
 public:
  Ceiling(const Authorizer& authorizer, const Catalog& catalog)
      : authorizer_(authorizer), catalog_(catalog) {}

  // A token with `policy` and `limits`, created, updated or rolled by `p` in
  // `account_id`: every allow key must be allowed to `p` there, and when `p`
  // is a token, `limits` must lie within its own.
  void RequireToken(const Principal& p, std::string_view account_id, const TokenPolicy& policy,
                    const TokenLimits& limits) const;
  // A user-owned token with `policy` (nullptr or no grants: its user's full
  // rights) and `limits`, created, updated or rolled by `p`, a credential of
  // the same user. Every allowed key on every resource it names must be held
  // by `p` there: in a named account, as RequireToken; on an account or zone
  // wildcard, in every one of `member_accounts` (where the user is an
  // accepted member) and, when `p` is a restricted token, through a wildcard
  // of its own; on the user resource, through Authorizer::UserAllows (a user
  // resource other than `p`'s own user is 400). A full-rights token is within
  // only an unrestricted caller. A token caller bounds window and request_ip.
  void RequireUserToken(const Principal& p, const TokenPolicy* policy, const TokenLimits& limits,
                        const std::vector<std::string>& member_accounts) const;
  // Roles given to a member. Unknown ids are left to validation (400).
  void RequireRoles(const Principal& p, std::string_view account_id,
                    const std::vector<std::string>& role_ids) const;
  // IAM policies given to a member or a user group (or obtained by joining
  // one): every allow policy's permission groups. Deny policies only narrow.
  void RequirePolicies(const Principal& p, std::string_view account_id,
                       const std::vector<Policy>& policies) const;

  // The permission keys a role grants through its legacy map
  // ("#<category>:read" / "#<category>:edit"), in catalog order.
  static const std::vector<std::string>& RoleKeys(const Role& role);

 private:
  void RequireKey(const Principal& p, std::string_view account_id, const std::string& key,
                  std::string_view what) const;
  void RequireRole(const Principal& p, std::string_view account_id, const Role& role) const;
  static void RequireWithinCaller(const TokenRef& caller, const TokenLimits& limits);
  void RequireUserEntry(const Principal& p, const ResourceMatcher::Entry& entry,
                        const std::string& key,
                        const std::vector<std::string>& member_accounts) const;

  const Authorizer& authorizer_;
  const Catalog& catalog_;
};

}  // namespace cfiam::auth
