// /accounts/{account_id}/tokens...: account-owned API tokens, their permission
// group catalog, rolling and verification. The wire form is shared with the
// user-owned tokens (api/token_wire.h).
#include <boost/json.hpp>

#include "api/list_cache.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "api/token_wire.h"
#include "auth/token_policy.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

auth::TokenLimits LimitsOf(const std::optional<Micros>& not_before,
                           const std::optional<Micros>& expires_on,
                           const auth::TokenPolicy& policy) {
  return {not_before, expires_on, &policy.ip};
}

// The ceiling for a token being made: the caller must hold every key it
// grants, and a token caller bounds its window and request_ip.
void RequireWithinCaller(Context& ctx, const std::string& account_id, const TokenDraft& draft) {
  ctx.services.ceiling.RequireToken(ctx.principal, account_id, *draft.policy,
                                    LimitsOf(draft.not_before, draft.expires_on, *draft.policy));
}

// The ceiling for an existing token: updating or rolling it requires holding
// everything it holds (deleting it does not: revocation only narrows).
void RequireHolding(Context& ctx, const Token& token) {
  const auth::TokenPolicy policy = auth::TokenPolicy::FromStored(
      token.policies_json, token.condition_json, ctx.services.catalog);
  ctx.services.ceiling.RequireToken(ctx.principal, token.account_id, policy,
                                    LimitsOf(token.not_before, token.expires_on, policy));
}

Reply Create(Context& ctx) {
  const std::string& account_id = ctx.Param("account_id");
  TokenDraft draft = ReadCreateBody(ctx, account_id);
  RequireWithinCaller(ctx, account_id, draft);
  auto [token, secret] =
      ctx.services.tokens.Create(ctx.unit(), TokenOwner::Account(account_id), std::move(draft));
  json::object out = RenderToken(token, ctx.services.tokens);
  out["value"] = secret;
  return {std::move(out), {}, {}};
}

Reply List(Context& ctx) {
  return TokenListReply(ctx, TokenOwner::Account(ctx.Param("account_id")));
}
bool ListKept(const Context& ctx, std::int64_t version, Reply& reply) {
  return TokenListKept(ctx, TokenOwner::Account(ctx.Param("account_id")), version, reply);
}

Reply Get(Context& ctx) {
  return {
      RenderToken(ctx.services.tokens.Get(ctx.tx(), TokenOwner::Account(ctx.Param("account_id")),
                                          ctx.Param("token_id")),
                  ctx.services.tokens),
      {},
      {}};
}

Reply Update(Context& ctx) {
  const std::string& account_id = ctx.Param("account_id");
  const Token current =
      ctx.services.tokens.Get(ctx.tx(), TokenOwner::Account(account_id), ctx.Param("token_id"));
  TokenDraft draft = ReadUpdateBody(ctx, current, account_id);
  RequireWithinCaller(ctx, account_id, draft);
  RequireHolding(ctx, current);
  return {RenderToken(ctx.services.tokens.Update(ctx.unit(), TokenOwner::Account(account_id),
                                                 ctx.Param("token_id"), std::move(draft)),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Delete(Context& ctx) {
  ctx.services.tokens.Delete(ctx.unit(), TokenOwner::Account(ctx.Param("account_id")),
                             ctx.Param("token_id"));
  return {json::object{{"id", ctx.Param("token_id")}}, {}, {}};
}

Reply Roll(Context& ctx) {
  CheckRollBody(ctx);
  RequireHolding(ctx,
                 ctx.services.tokens.Get(ctx.tx(), TokenOwner::Account(ctx.Param("account_id")),
                                         ctx.Param("token_id")));
  return {json::value(ctx.services.tokens.Roll(
              ctx.unit(), TokenOwner::Account(ctx.Param("account_id")), ctx.Param("token_id"))),
          {},
          {}};
}

Reply Verify(Context& ctx) {
  const auth::Principal& p = ctx.principal;
  if (!p.is_account_token() || p.token.account_id().view() != ctx.Param("account_id")) {
    throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
  }
  return VerifyReply(p.token);
}

Reply PermissionGroups(Context& ctx) { return PermissionGroupsReply(ctx, true); }

}  // namespace

void AddTokenRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/tokens/permission_groups", PermissionGroups,
               Access::kAccount, "com.cloudflare.api.account.token.read", "", kNoResource,
               kSinglePage});
  r.push_back({verb::get, "/accounts/{account_id}/tokens/verify", Verify, Access::kTokenVerify, "",
               "", kNoResource, kNotPaged, true});
  r.push_back({verb::get, "/accounts/{account_id}/tokens", List, Access::kAccount,
               "com.cloudflare.api.account.token.list", "", kNoResource, kPaged, false, ListKept});
  r.push_back({verb::post, "/accounts/{account_id}/tokens", Create, Access::kAccount,
               "com.cloudflare.api.account.token.create", "Create Token",
               Resource("tokens", "token", "")});
  r.push_back({verb::get, "/accounts/{account_id}/tokens/{token_id}", Get, Access::kAccount,
               "com.cloudflare.api.account.token.read", ""});
  r.push_back({verb::put, "/accounts/{account_id}/tokens/{token_id}", Update, Access::kAccount,
               "com.cloudflare.api.account.token.update", "Update Token",
               Resource("tokens", "token", "token_id")});
  r.push_back({verb::delete_, "/accounts/{account_id}/tokens/{token_id}", Delete, Access::kAccount,
               "com.cloudflare.api.account.token.delete", "Delete Token",
               Resource("tokens", "token", "token_id")});
  r.push_back({verb::put, "/accounts/{account_id}/tokens/{token_id}/value", Roll, Access::kAccount,
               "com.cloudflare.api.account.token.update", "Roll Token",
               Resource("tokens", "token", "token_id")});
}

}  // namespace cfiam::api
