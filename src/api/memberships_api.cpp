// /memberships[/{membership_id}]: the invitee's side of account membership.
// A membership is the caller's own member row (same id); other users' rows
// are never visible. Accepting turns an invitation into access.
#include <boost/json.hpp>

#include "api/input.h"
#include "api/pagination.h"
#include "api/render_iam.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

const std::string& CallerId(const Context& ctx) {
  if (!ctx.principal.user || ctx.principal.is_account_token()) {
    throw ApiError::Forbidden("Memberships belong to users: use a user credential");
  }
  return ctx.principal.user->id;
}

json::object RenderMembership(const Member& m, Context& ctx) {
  json::array role_names;
  json::object permissions;
  for (const std::string& id : m.role_ids) {
    const auth::Role* role = ctx.services.catalog.FindRole(id);
    if (!role) continue;
    role_names.push_back(json::string(role->name));
    for (const auth::RolePermission& p : role->permissions) {
      json::value& slot = permissions[p.category];
      if (!slot.is_object()) slot = json::object{{"read", false}, {"write", false}};
      json::object& rw = slot.get_object();
      rw["read"] = rw["read"].as_bool() || p.read;
      rw["write"] = rw["write"].as_bool() || p.write;
    }
  }
  return {{"id", m.id},
          {"account", RenderAccount(ctx.services.accounts.Get(m.account_id))},
          {"status", m.status},
          {"api_access_enabled", nullptr},
          {"roles", std::move(role_names)},
          {"permissions", std::move(permissions)},
          {"policies", RenderPolicies(m.policies, ctx.services)}};
}

Reply List(Context& ctx) {
  const std::string& user_id = CallerId(ctx);
  const PageParams page = ParsePaging(ctx.query, {20, 5, 50});
  const auto status = EnumParam(ctx.query, "status", {"accepted", "pending", "rejected"});
  auto result =
      ctx.services.members.ListMemberships(ctx.tx(), user_id, status, page.per_page, page.offset());
  return PageReply(result, page, [&](const Member& m) { return RenderMembership(m, ctx); });
}

Reply Get(Context& ctx) {
  const Member m =
      ctx.services.members.GetMembership(ctx.tx(), CallerId(ctx), ctx.Param("membership_id"));
  return {RenderMembership(m, ctx), {}, {}};
}

Reply Update(Context& ctx) {
  const std::string& user_id = CallerId(ctx);
  ObjectReader body(ctx.body);
  const auto status = body.Enum("status", {"accepted", "rejected"});
  if (!status) throw ApiError::Invalid("status", "is required");
  const Member m = ctx.services.members.RespondToMembership(ctx.unit(), user_id,
                                                            ctx.Param("membership_id"), *status);
  return {RenderMembership(m, ctx), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("membership_id");
  ctx.services.members.LeaveMembership(ctx.unit(), CallerId(ctx), id);
  return {json::object{{"id", id}}, {}, {}};
}

}  // namespace

void AddMembershipRoutes(std::vector<Route>& r) {
  // User-level keys: the Memberships Read/Write groups of a restricted user
  // token grant them; the API key and unrestricted user tokens hold them.
  r.push_back({verb::get, "/memberships", List, Access::kUser,
               "com.cloudflare.api.user.membership.read", ""});
  r.push_back({verb::get, "/memberships/{membership_id}", Get, Access::kUser,
               "com.cloudflare.api.user.membership.read", ""});
  r.push_back({verb::put, "/memberships/{membership_id}", Update, Access::kUser,
               "com.cloudflare.api.user.membership.update", "Update Membership"});
  r.push_back({verb::delete_, "/memberships/{membership_id}", Delete, Access::kUser,
               "com.cloudflare.api.user.membership.update", "Delete Membership"});
}

}  // namespace cfiam::api
