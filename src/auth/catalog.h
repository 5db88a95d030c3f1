// The built-in catalogs compiled into the binary (catalog/*.json): account
// roles and API-token permission groups. Immutable after construction, so
// safe to share across threads without locks.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cfiam::auth {

struct RolePermission {
  std::string category;  // "organization", "billing", ... (12 of them)
  bool read = false;
  bool write = false;
};

struct Role {
  std::string id;
  std::string name;
  std::string description;
  std::vector<RolePermission> permissions;  // in catalog order
  // The permission keys those grant ("#<category>:read" / "#<category>:edit"),
  // in the same order: built once here, checked on every grant of the role.
  std::vector<std::string> keys;
};

struct TokenPermissionGroup {
  std::string id;
  std::string name;
  std::vector<std::string> scopes;
};

class Catalog {
 public:
  // Parses the embedded catalogs. Throws std::runtime_error if they are malformed.
  Catalog();

  const std::vector<Role>& roles() const { return roles_; }
  const Role* FindRole(std::string_view id) const;
  // "Super Administrator - All Privileges": what an account's creator holds.
  const Role& SuperAdminRole() const { return roles_[super_admin_]; }
  const std::vector<TokenPermissionGroup>& permission_groups() const { return groups_; }
  const TokenPermissionGroup* FindPermissionGroup(std::string_view id) const;
  // The rate-plan table, as parsed JSON (used by subscriptions).
  const boost::json::value& rate_plans() const { return rate_plans_; }

 private:
  std::vector<Role> roles_;
  std::unordered_map<std::string, size_t> role_index_;
  size_t super_admin_ = 0;
  std::vector<TokenPermissionGroup> groups_;
  std::unordered_map<std::string, size_t> group_index_;
  boost::json::value rate_plans_;
};

}  // namespace cfiam::auth
