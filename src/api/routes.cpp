#include "api/route.h"

namespace cfiam::api {

const std::vector<Route>& AllRoutes() {
  static const std::vector<Route> routes = [] {
    std::vector<Route> r;
    AddAccountRoutes(r);
    AddRoleRoutes(r);
    AddTokenRoutes(r);
    AddSubscriptionRoutes(r);
    AddSsoConnectorRoutes(r);
    AddMemberRoutes(r);
    AddMembershipRoutes(r);
    AddPermissionGroupRoutes(r);
    AddResourceGroupRoutes(r);
    AddUserGroupRoutes(r);
    return r;
  }();
  return routes;
}

const std::string& Context::Param(std::string_view name) const {
  for (const auto& [k, v] : path) {
    if (k == name) return v;
  }
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace cfiam::api
