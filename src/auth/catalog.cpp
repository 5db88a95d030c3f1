#include "auth/catalog.h"

#include <boost/json.hpp>
#include <stdexcept>

namespace cfiam::catalog_data {
extern const std::string_view k_roles;
extern const std::string_view k_permission_groups;
extern const std::string_view k_rate_plans;
}  // namespace cfiam::catalog_data

namespace cfiam::auth {
namespace json = boost::json;

Catalog::Catalog() {
  // Keep each parsed document alive for the loop (a temporary's member would dangle).
  const json::value roles_doc = json::parse(catalog_data::k_roles);
  for (const json::value& v : roles_doc.as_array()) {
    const json::object& o = v.as_object();
    // The catalog carries one illustrative entry that is not a real role.
    if (const auto* ex = o.if_contains("example_only"); ex && ex->is_bool() && ex->as_bool()) {
      continue;
    }
    Role role;
    role.id = json::value_to<std::string>(o.at("id"));
    role.name = json::value_to<std::string>(o.at("name"));
    role.description = json::value_to<std::string>(o.at("description"));
    for (const auto& [category, rw] : o.at("permissions").as_object()) {
      role.permissions.push_back(
          {std::string(category), rw.at("read").as_bool(), rw.at("write").as_bool()});
      if (role.permissions.back().read) role.keys.push_back("#" + std::string(category) + ":read");
      if (role.permissions.back().write) role.keys.push_back("#" + std::string(category) + ":edit");
    }
    role_index_.emplace(role.id, roles_.size());
    roles_.push_back(std::move(role));
  }
  const json::value groups_doc = json::parse(catalog_data::k_permission_groups);
  for (const json::value& v : groups_doc.as_array()) {
    const json::object& o = v.as_object();
    TokenPermissionGroup g;
    g.id = json::value_to<std::string>(o.at("id"));
    g.name = json::value_to<std::string>(o.at("name"));
    for (const json::value& s : o.at("scopes").as_array()) {
      g.scopes.push_back(json::value_to<std::string>(s));
    }
    group_index_.emplace(g.id, groups_.size());
    groups_.push_back(std::move(g));
  }
  bool found = false;
  for (size_t i = 0; i < roles_.size(); ++i) {
    if (roles_[i].name == "Super Administrator - All Privileges") {
      super_admin_ = i;
      found = true;
    }
  }
  if (!found) throw std::runtime_error("catalog has no Super Administrator role");
  rate_plans_ = json::parse(catalog_data::k_rate_plans);
  if (roles_.empty() || groups_.empty()) throw std::runtime_error("empty catalog");
}

const Role* Catalog::FindRole(std::string_view id) const {
  auto it = role_index_.find(std::string(id));
  return it == role_index_.end() ? nullptr : &roles_[it->second];
}

const TokenPermissionGroup* Catalog::FindPermissionGroup(std::string_view id) const {
  auto it = group_index_.find(std::string(id));
  return it == group_index_.end() ? nullptr : &groups_[it->second];
}

}  // namespace cfiam::auth
