// Authorizer: decides whether a principal may use a permission key in an
// account, from memory only (Directory + Catalog).
//
// A tenant admin may do anything. A user acts through its accepted membership:
// its roles grant keys via their legacy permission map (`organization.read` ->
// `#organization:read`, `organization.write` -> `#organization:edit`, ...).
// Its IAM policies and those of its user groups grant too: a policy's
// permission groups are the same roles in IAM form, and it applies to an
// account-level key when one of its resource groups covers the whole account
// (scope com.cloudflare.api.account.<id> with object "*"). Any matching deny
// wins over every allow, roles included. Pending and rejected members hold
// nothing. A user token with policies holds the intersection of its policies
// and its user's rights (see Principal::restricted).
#pragma once

#include <string_view>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "auth/principal.h"

namespace cfiam::auth {

class Authorizer {
 public:
  Authorizer(const Directory& directory, const Catalog& catalog)
      : directory_(directory), catalog_(catalog) {}

  // Throws 404 when the account does not exist or the principal has no access
  // to it at all (another tenant's account is never revealed), and 403 10000
  // when the principal is in the account but lacks `key`. An empty `key` asks
  // only for some grant in the account (reading the account's own details).
  void RequireInAccount(const Principal& p, std::string_view account_id,
                        std::string_view key) const;
  // The same decision without throwing; false for invisible or denied.
  bool Allows(const Principal& p, std::string_view account_id, std::string_view key) const;
  // Throws 403 10000 unless the principal is a tenant admin.
  void RequireTenantAdmin(const Principal& p) const;
  // User-level keys (com.cloudflare.api.user.*, com.cloudflare.api.token.*)
  // over the caller's own user: the API key and an unrestricted user token
  // hold them all; a restricted token needs an allow on its user's resource
  // (com.cloudflare.api.user.<id>); account tokens hold none. RequireUser
  // throws 403 10000 where UserAllows is false.
  bool UserAllows(const Principal& p, std::string_view key) const;
  void RequireUser(const Principal& p, std::string_view key) const;

  // True when `role` grants `key` through its legacy permission map.
  static bool RoleGrants(const Role& role, std::string_view key);

  // True when `member` (accepted or not) holds `key` on its whole account
  // through roles, own policies and user-group policies, deny winning.
  bool MemberAllowed(const Member& member, std::string_view key) const;

 private:
  enum class Verdict { kInvisible, kDenied, kAllowed };
  Verdict Check(const Principal& p, std::string_view account_id, std::string_view key) const;
  // What the principal's user (tenant admin or accepted member) may do in the
  // account, whatever token it came with.
  Verdict UserVerdict(const Principal& p, std::string_view account_id, std::string_view key) const;

  const Directory& directory_;
  const Catalog& catalog_;
};

}  // namespace cfiam::auth
