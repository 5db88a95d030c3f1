// /accounts/{account_id}/iam/permission_groups: the built-in roles in IAM form,
// the permission groups member and user-group policies reference.
#include <boost/json.hpp>

#include "api/pagination.h"
#include "api/render_iam.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

// Filters are exact; name and label compare case-insensitively.
bool Matches(const auth::Role& role, const QueryParams& q) {
  if (auto id = q.Get("id"); id && *id != role.id) return false;
  if (auto name = q.Get("name"); name && ToLower(*name) != ToLower(role.name)) return false;
  if (auto label = q.Get("label"); label && ToLower(*label) != RoleLabel(role)) return false;
  return true;
}

Reply List(Context& ctx) {
  const PageParams page = ParsePaging(ctx);
  std::vector<const auth::Role*> matched;
  for (const auth::Role& role : ctx.services.catalog.roles()) {
    if (Matches(role, ctx.query)) matched.push_back(&role);
  }
  json::array items;
  const auto total = static_cast<std::int64_t>(matched.size());
  for (std::int64_t i = page.offset(); i < total && i < page.offset() + page.per_page; ++i) {
    items.push_back(RenderPermissionGroup(*matched[static_cast<size_t>(i)]));
  }
  const std::size_t count = items.size();
  return {std::move(items), PageInfo(page, count, total), {}};
}

Reply Get(Context& ctx) {
  const auth::Role* role = ctx.services.catalog.FindRole(ctx.Param("permission_group_id"));
  if (!role) throw ApiError::NotFound("Permission group");
  return {RenderPermissionGroup(*role), {}, {}};
}

}  // namespace

// Like the account's own details, the catalog is readable with any grant in
// the account (every account-level token group lists these operations).
void AddPermissionGroupRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/iam/permission_groups", List, Access::kAccountAny,
               "com.cloudflare.api.iam.permission-group.list", "", kNoResource, kPaged, true});
  r.push_back({verb::get, "/accounts/{account_id}/iam/permission_groups/{permission_group_id}", Get,
               Access::kAccountAny, "com.cloudflare.api.iam.permission-group.read", "", kNoResource,
               kNotPaged, true});
}

}  // namespace cfiam::api
