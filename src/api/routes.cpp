#include <boost/json.hpp>

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
    AddAuditRoutes(r);
    AddUserRoutes(r);
    AddUserTokenRoutes(r);
    return r;
  }();
  return routes;
}

std::string RouteTableJson() {
  boost::json::array out;
  for (const Route& r : AllRoutes()) {
    const char* access = "authenticated";
    switch (r.access) {
      case Access::kAuthenticated:
        break;
      case Access::kTenantAdmin:
        access = "tenant_admin";
        break;
      case Access::kAccount:
        access = "account";
        break;
      case Access::kAccountAny:
        access = "account_any";
        break;
      case Access::kTokenVerify:
        access = "token_verify";
        break;
      case Access::kUser:
        access = "user";
        break;
    }
    out.push_back(boost::json::object{{"method", boost::beast::http::to_string(r.method)},
                                      {"path", r.path},
                                      {"access", access},
                                      {"permission", r.permission},
                                      {"audit", r.audit},
                                      {"inline", r.inline_ok}});
  }
  return boost::json::serialize(out);
}

const std::string& Context::Param(std::string_view name) const {
  for (const auto& [k, v] : path) {
    if (k == name) return v;
  }
  static const std::string kEmpty;
  return kEmpty;
}

}  // namespace cfiam::api
