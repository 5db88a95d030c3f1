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

namespace {

boost::json::object PagingJson(const Paging& p) {
  switch (p.kind) {
    case Paging::Kind::kPages:
    case Paging::Kind::kCursor:
      return {{"kind", p.kind == Paging::Kind::kPages ? "pages" : "cursor"},
              {"default", p.bounds.default_per_page},
              {"min", p.bounds.min_per_page},
              {"max", p.bounds.max_per_page}};
    case Paging::Kind::kSinglePage:
      return {{"kind", "single_page"}};
    case Paging::Kind::kWhole:
    case Paging::Kind::kNone:
      break;
  }
  return {{"kind", "whole"}};
}

}  // namespace

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
    boost::json::object row{{"method", boost::beast::http::to_string(r.method)},
                            {"path", r.path},
                            {"access", access},
                            {"permission", r.permission},
                            {"audit", r.audit},
                            {"inline", r.inline_ok}};
    if (!r.audit.empty()) {
      row["resource"] = {{"product", r.resource.product},
                         {"type", r.resource.type},
                         {"id_param", r.resource.id_param}};
    }
    if (r.paging.kind != Paging::Kind::kNone) row["paging"] = PagingJson(r.paging);
    out.push_back(std::move(row));
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
