#include <boost/json.hpp>
#include <stdexcept>

#include "api/route.h"
#include "api/services.h"

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

store::UnitOfWork& Context::unit() {
  // A read route reaching a write is a route-table bug, not a client error.
  if (!change) throw std::logic_error("a read route asked for a unit of work");
  return *change;
}

store::Tx& Context::tx() {
  if (change) return change->tx();
  if (!read_tx) read_tx = services.store.Read();
  return *read_tx;
}

}  // namespace cfiam::api
