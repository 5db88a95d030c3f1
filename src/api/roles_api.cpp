// /accounts/{account_id}/roles: the built-in role catalog, the same in every account.
#include <boost/json.hpp>

#include "api/pagination.h"
#include "api/render_role.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

json::object RenderRole(const auth::Role& role) {
  json::object perms;
  for (const auth::RolePermission& p : role.permissions) {
    perms[p.category] = json::object{{"read", p.read}, {"write", p.write}};
  }
  return {{"id", role.id},
          {"name", role.name},
          {"description", role.description},
          {"permissions", std::move(perms)}};
}

namespace {

Reply List(Context& ctx) {
  const PageParams page = ParsePaging(ctx);
  const auto& roles = ctx.services.catalog.roles();
  json::array items;
  for (std::int64_t i = page.offset();
       i < static_cast<std::int64_t>(roles.size()) && i < page.offset() + page.per_page; ++i) {
    items.push_back(RenderRole(roles[static_cast<size_t>(i)]));
  }
  const std::size_t count = items.size();
  return {std::move(items), PageInfo(page, count, static_cast<std::int64_t>(roles.size())), {}};
}

Reply Get(Context& ctx) {
  const auth::Role* role = ctx.services.catalog.FindRole(ctx.Param("role_id"));
  if (!role) throw ApiError::NotFound("Role");
  return {RenderRole(*role), {}, {}};
}

}  // namespace

void AddRoleRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/roles", List, Access::kAccount,
               "#organization:read", "", kNoResource, kPaged, true});
  r.push_back({verb::get, "/accounts/{account_id}/roles/{role_id}", Get, Access::kAccount,
               "#organization:read", "", kNoResource, kNotPaged, true});
}

}  // namespace cfiam::api
