// /accounts and /accounts/{account_id}: create, list, read, update, delete.
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

constexpr std::size_t kNameMax = 100;

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  Account draft;
  draft.name = body.RequiredName("name", kNameMax);
  draft.type = body.Enum("type", {"standard", "enterprise"}).value_or("standard");
  if (auto unit = body.Object("unit")) {
    if (auto id = unit->String("id", 32)) draft.unit_id = *id;
  }
  const std::string creator = ctx.principal.user ? ctx.principal.user->id : std::string();
  return {
      RenderAccount(ctx.services.accounts.Create(ctx.unit(), std::move(draft), creator)), {}, {}};
}

Reply List(Context& ctx) {
  if (ctx.principal.is_account_token()) {
    throw ApiError(400, codes::kAccountTokenListAccounts,
                   "List accounts endpoint does not support account owned tokens.");
  }
  const PageParams page = ParsePaging(ctx);
  store::AccountQuery q;
  const auth::Principal& p = ctx.principal;
  if (!p.user->tenant_admin) q.member_user_id = p.user->id;
  // A restricted user token lists only the accounts its policies name.
  if (p.restricted()) q.only_ids = p.token.policy()->NamedAccounts();
  if (auto name = ctx.query.Get("name")) q.name_contains = std::string(*name);
  q.descending = Descending(ctx.query);
  q.limit = page.per_page;
  q.offset = page.offset();
  auto result = ctx.services.accounts.List(ctx.tx(), q);
  return PageReply(result, page, [&](const Account& a) { return RenderAccount(a); });
}

Reply Get(Context& ctx) {
  Reply reply;
  reply.result_text = RenderAccountText(ctx.services.accounts.Get(ctx.Param("account_id")));
  return reply;
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string& id = ctx.Param("account_id");
  if (auto body_id = body.String("id"); body_id && *body_id != id) {
    throw ApiError::Invalid("id", "does not match the account in the path");
  }
  const std::optional<std::string> name =
      body.Has("name") ? std::optional(body.RequiredName("name", kNameMax)) : std::nullopt;
  const auto type = body.Enum("type", {"standard", "enterprise"});
  std::optional<std::optional<std::string>> abuse_email;
  std::optional<bool> twofactor;
  if (auto settings = body.Object("settings")) {
    if (settings->object().contains("abuse_contact_email")) {
      auto email = settings->String("abuse_contact_email", 90);
      if (email && !email->empty() && !IsEmail(*email)) {
        throw ApiError::Invalid("settings.abuse_contact_email", "must be a valid email address");
      }
      abuse_email = (email && !email->empty()) ? email : std::nullopt;
    }
    twofactor = settings->Bool("enforce_twofactor");
  }
  std::optional<std::string> org_id, org_name;
  if (auto managed = body.Object("managed_by")) {
    org_id = managed->String("parent_org_id", 32);
    org_name = managed->String("parent_org_name", 255);
  }
  const bool admin = ctx.principal.tenant_admin();
  Account updated = ctx.services.accounts.Update(ctx.unit(), id, [&](Account& a) {
    if (type && *type != a.type) {
      if (!admin) throw ApiError::Forbidden("Only tenant admins may change an account's type");
      a.type = *type;
    }
    if (name) a.name = *name;
    if (abuse_email) a.abuse_contact_email = *abuse_email;
    if (twofactor) a.enforce_twofactor = *twofactor;
    if (org_id) a.parent_org_id = *org_id;
    if (org_name) a.parent_org_name = *org_name;
  });
  return {RenderAccount(updated), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("account_id");
  ctx.services.accounts.Delete(ctx.unit(), id);
  return {json::object{{"id", id}}, {}, {}};
}

}  // namespace

void AddAccountRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts", List, Access::kAuthenticated, "", "", kNoResource, kPaged});
  r.push_back({verb::post, "/accounts", Create, Access::kTenantAdmin, "", "Create Account",
               Resource("accounts", "account", "")});
  r.push_back({verb::get, "/accounts/{account_id}", Get, Access::kAccountAny, "#organization:read",
               "", kNoResource, kNotPaged, true});
  r.push_back({verb::put, "/accounts/{account_id}", Update, Access::kAccount, "#organization:edit",
               "Update Account", Resource("accounts", "account", "account_id")});
  r.push_back({verb::delete_, "/accounts/{account_id}", Delete, Access::kTenantAdmin, "",
               "Delete Account", Resource("accounts", "account", "account_id")});
}

}  // namespace cfiam::api
