// /user/tokens...: the caller's own user-owned API tokens, their permission
// group catalog (every scope), rolling and verification.
//
// Only the owner manages its tokens: the user's API key, or one of its user
// tokens holding API Tokens Read/Write on com.cloudflare.api.user.<id>
// (unrestricted tokens hold them). Another user's token id is 404, exactly
// like a missing one. What a new, changed or rolled token may hold is bounded
// by the caller (auth/ceiling.h, Ceiling::RequireUserToken).
#include <boost/json.hpp>

#include "api/list_cache.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "api/token_wire.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

TokenOwner Owner(const Context& ctx) { return TokenOwner::User(ctx.principal.user->id); }

auth::TokenLimits LimitsOf(const auth::TokenPolicy* policy, const std::optional<Micros>& not_before,
                           const std::optional<Micros>& expires_on) {
  return {not_before, expires_on, policy ? &policy->ip : nullptr};
}

// REQUIRES: Access::kUser passed (the principal has a user).
void RequireWithinCaller(Context& ctx, const auth::TokenPolicy* policy,
                         const auth::TokenLimits& limits) {
  std::vector<std::string> accounts;
  for (const Member& m : ctx.services.store
                             .ListMembershipsOfUser(ctx.tx(), ctx.principal.user->id,
                                                    std::string("accepted"), 1'000'000, 0)
                             .items) {
    accounts.push_back(m.account_id);
  }
  ctx.services.ceiling.RequireUserToken(ctx.principal, policy, limits, accounts);
}

void RequireDraft(Context& ctx, const TokenDraft& draft) {
  RequireWithinCaller(ctx, draft.policy.get(),
                      LimitsOf(draft.policy.get(), draft.not_before, draft.expires_on));
}

// Updating or rolling an existing token requires holding everything it holds
// (rolling hands the caller its secret); deleting it does not.
void RequireHolding(Context& ctx, const Token& token) {
  const auth::TokenPolicy policy = auth::TokenPolicy::FromStored(
      token.policies_json, token.condition_json, ctx.services.catalog);
  RequireWithinCaller(ctx, &policy, LimitsOf(&policy, token.not_before, token.expires_on));
}

Reply Create(Context& ctx) {
  TokenDraft draft = ReadCreateBody(ctx, std::nullopt);
  RequireDraft(ctx, draft);
  auto [token, secret] = ctx.services.tokens.Create(ctx.unit(), Owner(ctx), std::move(draft));
  json::object out = RenderToken(token, ctx.services.tokens);
  out["value"] = secret;
  return {std::move(out), {}, {}};
}

Reply List(Context& ctx) { return TokenListReply(ctx, Owner(ctx)); }
bool ListKept(const Context& ctx, std::int64_t version, Reply& reply) {
  return TokenListKept(ctx, Owner(ctx), version, reply);
}

Reply Get(Context& ctx) {
  return {RenderToken(ctx.services.tokens.Get(ctx.tx(), Owner(ctx), ctx.Param("token_id")),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Update(Context& ctx) {
  const Token current = ctx.services.tokens.Get(ctx.tx(), Owner(ctx), ctx.Param("token_id"));
  TokenDraft draft = ReadUpdateBody(ctx, current, std::nullopt);
  RequireDraft(ctx, draft);
  RequireHolding(ctx, current);
  return {RenderToken(ctx.services.tokens.Update(ctx.unit(), Owner(ctx), ctx.Param("token_id"),
                                                 std::move(draft)),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Delete(Context& ctx) {
  ctx.services.tokens.Delete(ctx.unit(), Owner(ctx), ctx.Param("token_id"));
  return {json::object{{"id", ctx.Param("token_id")}}, {}, {}};
}

Reply Roll(Context& ctx) {
  CheckRollBody(ctx);
  RequireHolding(ctx, ctx.services.tokens.Get(ctx.tx(), Owner(ctx), ctx.Param("token_id")));
  return {
      json::value(ctx.services.tokens.Roll(ctx.unit(), Owner(ctx), ctx.Param("token_id"))), {}, {}};
}

Reply Verify(Context& ctx) {
  const auth::Principal& p = ctx.principal;
  if (p.kind != auth::Principal::Kind::kUserToken || !p.token) {
    throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
  }
  return VerifyReply(p.token);
}

Reply PermissionGroups(Context& ctx) { return PermissionGroupsReply(ctx, false); }

}  // namespace

void AddUserTokenRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/user/tokens/permission_groups", PermissionGroups, Access::kUser,
               "com.cloudflare.api.token.read", "", kNoResource, kSinglePage, true});
  r.push_back({verb::get, "/user/tokens/verify", Verify, Access::kTokenVerify, "", "", kNoResource,
               kNotPaged, true});
  r.push_back({verb::get, "/user/tokens", List, Access::kUser, "com.cloudflare.api.token.list", "",
               kNoResource, kPaged, false, ListKept});
  r.push_back({verb::post, "/user/tokens", Create, Access::kUser, "com.cloudflare.api.token.create",
               "Create Token", Resource("user", "user_token", "")});
  r.push_back({verb::get, "/user/tokens/{token_id}", Get, Access::kUser,
               "com.cloudflare.api.token.read", ""});
  r.push_back({verb::put, "/user/tokens/{token_id}", Update, Access::kUser,
               "com.cloudflare.api.token.update", "Update Token",
               Resource("user", "user_token", "token_id")});
  r.push_back({verb::delete_, "/user/tokens/{token_id}", Delete, Access::kUser,
               "com.cloudflare.api.token.delete", "Delete Token",
               Resource("user", "user_token", "token_id")});
  r.push_back({verb::put, "/user/tokens/{token_id}/value", Roll, Access::kUser,
               "com.cloudflare.api.token.update", "Roll Token",
               Resource("user", "user_token", "token_id")});
}

}  // namespace cfiam::api
