// /accounts/{account_id}/members[/{member_id}]: who belongs to an account and
// with which roles or policies.
#include <boost/json.hpp>

#include "api/input.h"
#include "api/list_cache.h"
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

constexpr std::size_t kEmailMax = 90;

std::string ValidEmail(const ObjectReader& body) {
  std::string email = NormalizeEmail(body.RequiredString("email"));
  if (Utf8Length(email) > kEmailMax) {
    throw ApiError::Invalid("email", "must be at most 90 characters");
  }
  if (!IsEmail(email)) throw ApiError::Invalid("email", "must be a valid email address");
  return email;
}

// `roles` as role ids (POST) or role objects with an id (PUT); both accepted.
std::vector<std::string> ParseRoles(const json::array& items) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string at = "roles[" + std::to_string(i) + "]";
    const json::value& v = items[i];
    std::string id;
    if (v.is_string()) {
      id = std::string(v.get_string());
    } else if (v.is_object()) {
      id = ObjectReader(v.get_object(), at).RequiredString("id");
    } else {
      throw ApiError::Invalid(at, "must be a role id or a role object");
    }
    if (!IsObjectId(id)) throw ApiError::Invalid(at, "unknown role " + id);
    ids.push_back(std::move(id));
  }
  return ids;
}

// The body's roles or policies; exactly one form when `required`.
MemberGrants ReadGrants(const ObjectReader& body, bool required) {
  MemberGrants grants;
  const json::array* roles = body.Array("roles");
  const json::array* policies = body.Array("policies");
  if (roles && policies) {
    throw ApiError::Invalid("policies", "send either roles or policies, not both");
  }
  if (roles) grants.role_ids = ParseRoles(*roles);
  if (policies) grants.policies = ParsePolicies(*policies, "policies");
  if (required && !roles && !policies) {
    throw ApiError::Invalid("roles", "is required (or policies)");
  }
  return grants;
}

// The ceiling: a member can be given (or, by accepting, come to hold) only
// what the caller holds in the account.
void RequireWithinCaller(Context& ctx, const std::vector<std::string>& role_ids,
                         const std::vector<Policy>& policies) {
  const std::string& account_id = ctx.Param("account_id");
  ctx.services.ceiling.RequireRoles(ctx.principal, account_id, role_ids);
  ctx.services.ceiling.RequirePolicies(ctx.principal, account_id, policies);
}

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string email = ValidEmail(body);
  MemberGrants grants = ReadGrants(body, true);
  RequireWithinCaller(ctx, grants.role_ids.value_or(std::vector<std::string>{}),
                      grants.policies.value_or(std::vector<Policy>{}));
  const std::string status = body.Enum("status", {"accepted", "pending"}).value_or("pending");
  auto added = ctx.services.members.Add(ctx.unit(), ctx.Param("account_id"), email,
                                        std::move(grants), status);
  // Written as text, as a list page writes its rows: the object tree with
  // its role copies was about a sixth of a create's instructions.
  Reply reply;
  RenderMemo memo;
  AppendMemberJson(reply.result_text, added, ctx.services, memo);
  reply.result = json::object{{"id", added.member.id}};
  reply.result_is_summary = true;  // a member holds no secret
  return reply;
}

// The page a list request asks for: its query, and its key in the
// rendered-page cache.
struct MembersPage {
  PageParams page;
  store::MemberQuery q;
  std::string key;
};

MembersPage PageOf(const Context& ctx) {
  MembersPage p;
  p.page = ParsePaging(ctx);
  store::MemberQuery& q = p.q;
  q.account_id = ctx.Param("account_id");
  q.status = EnumParam(ctx.query, "status", {"accepted", "pending", "rejected"});
  q.order =
      EnumParam(ctx.query, "order", {"user.first_name", "user.last_name", "user.email", "status"})
          .value_or("");
  q.descending = Descending(ctx.query);
  q.limit = p.page.per_page;
  q.offset = p.page.offset();
  // Every input of the page, normalized (values come from fixed lists or are numbers).
  p.key = "members " + q.account_id + ' ' + std::to_string(p.page.page) + ' ' +
          std::to_string(p.page.per_page) + ' ' + q.status.value_or("") + ' ' + q.order +
          (q.descending ? " desc" : " asc");
  return p;
}

// On the I/O thread: the page when kept (api/list_cache.h).
bool ListKept(const Context& ctx, std::int64_t version, Reply& reply) {
  return KeptListReply(ctx.services, PageOf(ctx).key, version, reply);
}

Reply List(Context& ctx) {
  const MembersPage p = PageOf(ctx);
  const PageParams& page = p.page;
  const store::MemberQuery& q = p.q;
  return CachedListReply(ctx, p.key, [&](CachedPage& out, StoredLastUsed&) {
    auto result = ctx.services.members.List(ctx.tx(), q);
    RenderMemo memo;
    out.text().reserve(128 + result.items.size() * 1024);  // a member with a role is ~900 B
    BeginPageBody(out);
    for (std::size_t i = 0; i < result.items.size(); ++i) {
      if (i > 0) out.text().push_back(',');
      AppendMemberJson(out.text(), result.items[i], ctx.services, memo);
    }
    EndPageBody(out, page, result.items.size(), result.total);
  });
}

Reply Get(Context& ctx) {
  return {RenderMember(
              ctx.services.members.Get(ctx.tx(), ctx.Param("account_id"), ctx.Param("member_id")),
              ctx.services),
          {},
          {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  MemberGrants grants = ReadGrants(body, false);
  const auto status = body.Enum("status", {"accepted", "pending", "rejected"});
  if (grants.role_ids || grants.policies || status == "accepted") {
    const Member current =
        ctx.services.members.Get(ctx.tx(), ctx.Param("account_id"), ctx.Param("member_id")).member;
    RequireWithinCaller(ctx, grants.role_ids.value_or(current.role_ids),
                        grants.policies.value_or(current.policies));
  }
  auto updated = ctx.services.members.Update(ctx.unit(), ctx.Param("account_id"),
                                             ctx.Param("member_id"), std::move(grants), status);
  return {RenderMember(updated, ctx.services), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("member_id");
  ctx.services.members.Remove(ctx.unit(), ctx.Param("account_id"), id);
  return {json::object{{"id", id}}, {}, {}};
}

}  // namespace

void AddMemberRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/members", List, Access::kAccount,
               "#organization:read", "", kNoResource, kPaged, false, ListKept});
  r.push_back({verb::post, "/accounts/{account_id}/members", Create, Access::kAccount,
               "#organization:edit", "Add Member", Resource("members", "member", "")});
  r.push_back({verb::get, "/accounts/{account_id}/members/{member_id}", Get, Access::kAccount,
               "#organization:read", ""});
  r.push_back({verb::put, "/accounts/{account_id}/members/{member_id}", Update, Access::kAccount,
               "#organization:edit", "Update Member", Resource("members", "member", "member_id")});
  r.push_back({verb::delete_, "/accounts/{account_id}/members/{member_id}", Delete,
               Access::kAccount, "#organization:edit", "Remove Member",
               Resource("members", "member", "member_id")});
}

}  // namespace cfiam::api
