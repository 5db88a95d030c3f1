// /accounts/{account_id}/iam/user_groups[/{user_group_id}[/members[/{member_id}]]]:
// groups of account members that share IAM policies.
#include <boost/json.hpp>

#include "api/input.h"
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

constexpr std::size_t kNameMax = 255;

json::object RenderGroup(const UserGroup& g, const Services& services) {
  return {{"id", g.id},
          {"name", g.name},
          {"policies", RenderPolicies(g.policies, services)},
          {"created_on", FormatRfc3339(g.created_on)},
          {"modified_on", FormatRfc3339(g.modified_on)}};
}

json::object RenderGroupMember(const store::MemberWithUser& m) {
  return {{"id", m.member.id}, {"email", m.user.email}, {"status", m.member.status}};
}

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string name = body.RequiredName("name", kNameMax);
  std::vector<Policy> policies;
  if (const json::array* items = body.Array("policies")) {
    policies = ParsePolicies(*items, "policies");
  }
  ctx.services.ceiling.RequirePolicies(ctx.principal, ctx.Param("account_id"), policies);
  auto g = ctx.services.user_groups.Create(ctx.unit(), ctx.Param("account_id"), name,
                                           std::move(policies));
  return {RenderGroup(g, ctx.services), {}, {}};
}

Reply List(Context& ctx) {
  const PageParams page = ParsePaging(ctx.query, {100, 1, 500});
  store::UserGroupQuery q;
  q.account_id = ctx.Param("account_id");
  if (auto v = ctx.query.Get("id")) q.id = std::string(*v);
  if (auto v = ctx.query.Get("name")) q.name = std::string(*v);
  if (auto v = ctx.query.Get("fuzzyName")) q.name_contains = std::string(*v);
  if (auto v = ctx.query.Get("fuzzy_name")) q.name_contains = std::string(*v);
  q.descending = Descending(ctx.query);
  q.limit = page.per_page;
  q.offset = page.offset();
  auto result = ctx.services.user_groups.List(ctx.tx(), q);
  return PageReply(result, page, [&](const UserGroup& g) { return RenderGroup(g, ctx.services); });
}

Reply Get(Context& ctx) {
  auto g =
      ctx.services.user_groups.Get(ctx.tx(), ctx.Param("account_id"), ctx.Param("user_group_id"));
  return {RenderGroup(g, ctx.services), {}, {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  std::optional<std::string> name;
  if (body.Has("name")) name = body.RequiredName("name", kNameMax);
  std::optional<std::vector<Policy>> policies;
  if (const json::array* items = body.Array("policies")) {
    policies = ParsePolicies(*items, "policies");
    ctx.services.ceiling.RequirePolicies(ctx.principal, ctx.Param("account_id"), *policies);
  }
  auto g = ctx.services.user_groups.Update(ctx.unit(), ctx.Param("account_id"),
                                           ctx.Param("user_group_id"), name, std::move(policies));
  return {RenderGroup(g, ctx.services), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("user_group_id");
  ctx.services.user_groups.Delete(ctx.unit(), ctx.Param("account_id"), id);
  return {json::object{{"id", id}}, {}, {}};
}

// The member-set body: a JSON array [{"id": <member id>}] (the SDK's form);
// {"members": [...]} is accepted too.
std::vector<std::string> ReadMemberIds(const Context& ctx) {
  if (!ctx.body) throw ApiError::Invalid("members", "a JSON array of {id} is required");
  const json::array* items = nullptr;
  if (ctx.body->is_array()) {
    items = &ctx.body->get_array();
  } else if (ctx.body->is_object()) {
    items = ObjectReader(ctx.body).Array("members");
  }
  if (!items) throw ApiError::Invalid("members", "a JSON array of {id} is required");
  std::vector<std::string> ids;
  for (size_t i = 0; i < items->size(); ++i) {
    const std::string at = "members[" + std::to_string(i) + "]";
    if (!(*items)[i].is_object()) throw ApiError::Invalid(at, "must be an object");
    ObjectReader item((*items)[i].get_object(), at);
    std::string id = item.RequiredString("id");
    if (!IsObjectId(id)) throw ApiError::Invalid(item.Path("id"), "not a member of this account");
    ids.push_back(std::move(id));
  }
  return ids;
}

Reply SetMembers(Context& ctx, bool replace) {
  const std::string& account_id = ctx.Param("account_id");
  const std::string& group_id = ctx.Param("user_group_id");
  std::vector<std::string> ids = ReadMemberIds(ctx);
  if (!ids.empty()) {
    // Joining a group grants its policies: only a caller holding them may add.
    const UserGroup group = ctx.services.user_groups.Get(ctx.tx(), account_id, group_id);
    ctx.services.ceiling.RequirePolicies(ctx.principal, account_id, group.policies);
  }
  auto members = ctx.services.user_groups.SetMembers(ctx.unit(), account_id, group_id,
                                                     std::move(ids), replace);
  json::array items;
  for (const auto& m : members) items.push_back(RenderGroupMember(m));
  return {std::move(items), {}, {}};
}

Reply AddMembers(Context& ctx) { return SetMembers(ctx, false); }
Reply ReplaceMembers(Context& ctx) { return SetMembers(ctx, true); }

Reply ListMembers(Context& ctx) {
  const PageParams page = ParsePaging(ctx.query, {20, 5, 50});
  const bool desc = Descending(ctx.query);
  auto result = ctx.services.user_groups.ListMembers(ctx.tx(), ctx.Param("account_id"),
                                                     ctx.Param("user_group_id"), desc,
                                                     page.per_page, page.offset());
  return PageReply(result, page, [&](const auto& m) { return RenderGroupMember(m); });
}

Reply GetMember(Context& ctx) {
  auto m = ctx.services.user_groups.GetMember(ctx.tx(), ctx.Param("account_id"),
                                              ctx.Param("user_group_id"), ctx.Param("member_id"));
  json::object o = RenderGroupMember(m);
  o["created_at"] = FormatRfc3339(m.member.created_on);
  o["user"] = json::object{{"id", m.user.id},
                           {"email", m.user.email},
                           {"first_name", m.user.first_name},
                           {"last_name", m.user.last_name}};
  return {std::move(o), {}, {}};
}

Reply RemoveMember(Context& ctx) {
  auto m = ctx.services.user_groups.RemoveMember(
      ctx.unit(), ctx.Param("account_id"), ctx.Param("user_group_id"), ctx.Param("member_id"));
  return {RenderGroupMember(m), {}, {}};
}

}  // namespace

void AddUserGroupRoutes(std::vector<Route>& r) {
  constexpr std::string_view kAll = "/accounts/{account_id}/iam/user_groups";
  constexpr std::string_view kOne = "/accounts/{account_id}/iam/user_groups/{user_group_id}";
  constexpr std::string_view kMembers =
      "/accounts/{account_id}/iam/user_groups/{user_group_id}/members";
  constexpr std::string_view kMember =
      "/accounts/{account_id}/iam/user_groups/{user_group_id}/members/{member_id}";
  r.push_back(
      {verb::get, kAll, List, Access::kAccount, "com.cloudflare.api.account.member.list", ""});
  r.push_back({verb::post, kAll, Create, Access::kAccount,
               "com.cloudflare.api.account.member.create", "Create User Group"});
  r.push_back(
      {verb::get, kOne, Get, Access::kAccount, "com.cloudflare.api.account.member.read", ""});
  r.push_back({verb::put, kOne, Update, Access::kAccount,
               "com.cloudflare.api.account.member.update", "Update User Group"});
  r.push_back({verb::delete_, kOne, Delete, Access::kAccount,
               "com.cloudflare.api.account.member.delete", "Delete User Group"});
  r.push_back({verb::get, kMembers, ListMembers, Access::kAccount,
               "com.cloudflare.api.account.member.read", ""});
  r.push_back({verb::post, kMembers, AddMembers, Access::kAccount,
               "com.cloudflare.api.account.member.create", "Add User Group Members"});
  // The spec records no permission for this operation; replacing the set is an update.
  r.push_back({verb::put, kMembers, ReplaceMembers, Access::kAccount,
               "com.cloudflare.api.account.member.update", "Replace User Group Members"});
  r.push_back({verb::get, kMember, GetMember, Access::kAccount,
               "com.cloudflare.api.account.member.read", ""});
  r.push_back({verb::delete_, kMember, RemoveMember, Access::kAccount,
               "com.cloudflare.api.account.member.delete", "Remove User Group Member"});
}

}  // namespace cfiam::api
