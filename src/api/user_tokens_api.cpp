// /user/tokens...: the caller's own user-owned API tokens, their permission
// group catalog (every scope), rolling and verification.
//
// Only the owner manages its tokens: the user's API key, or one of its user
// tokens holding API Tokens Read/Write on com.cloudflare.api.user.<id>
// (unrestricted tokens hold them). Another user's token id is 404, exactly
// like a missing one. What a new or changed token may hold is bounded by the
// caller (auth/user_token_ceiling.h).
#include <boost/json.hpp>

#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "api/token_wire.h"
#include "auth/user_token_ceiling.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

TokenOwner Owner(const Context& ctx) { return TokenOwner::User(ctx.principal.user->id); }

// REQUIRES: Access::kUser passed (the principal has a user).
void CheckWithinCaller(Context& ctx, const auth::UserTokenShape& shape) {
  std::vector<std::string> accounts;
  {
    auto tx = ctx.services.store.Read();
    for (const Member& m : ctx.services.store
                               .ListMembershipsOfUser(*tx, ctx.principal.user->id,
                                                      std::string("accepted"), 1'000'000, 0)
                               .items) {
      accounts.push_back(m.account_id);
    }
  }
  auth::CheckUserTokenWithinCaller(ctx.principal, ctx.services.authorizer, shape, accounts);
}

void CheckDraft(Context& ctx, const TokenDraft& draft) {
  CheckWithinCaller(ctx, {draft.policy.get(), draft.not_before, draft.expires_on});
}

Reply Create(Context& ctx) {
  TokenDraft draft = ReadCreateBody(ctx, std::nullopt);
  CheckDraft(ctx, draft);
  auto [token, secret] = ctx.services.tokens.Create(Owner(ctx), std::move(draft));
  json::object out = RenderToken(token, ctx.services.tokens);
  out["value"] = secret;
  return {std::move(out), {}, {}};
}

Reply List(Context& ctx) {
  const PageParams page = ParsePaging(ctx.query, {20, 5, 50});
  const bool desc = Descending(ctx.query);
  auto result = ctx.services.tokens.List(Owner(ctx), desc, page.per_page, page.offset());
  return PageReply(result, page,
                   [&](const Token& t) { return RenderToken(t, ctx.services.tokens); });
}

Reply Get(Context& ctx) {
  return {RenderToken(ctx.services.tokens.Get(Owner(ctx), ctx.Param("token_id")),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Update(Context& ctx) {
  const Token current = ctx.services.tokens.Get(Owner(ctx), ctx.Param("token_id"));
  TokenDraft draft = ReadUpdateBody(ctx, current, std::nullopt);
  CheckDraft(ctx, draft);
  return {RenderToken(ctx.services.tokens.Update(Owner(ctx), ctx.Param("token_id"),
                                                 std::move(draft)),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Delete(Context& ctx) {
  ctx.services.tokens.Delete(Owner(ctx), ctx.Param("token_id"));
  return {json::object{{"id", ctx.Param("token_id")}}, {}, {}};
}

// Rolling hands the caller the token's secret: the token must not exceed the
// caller, just as if it were being created now.
Reply Roll(Context& ctx) {
  CheckRollBody(ctx);
  const Token current = ctx.services.tokens.Get(Owner(ctx), ctx.Param("token_id"));
  auto live = ctx.services.directory.FindTokenById(current.id);
  CheckWithinCaller(ctx, {live ? live->policy.get() : nullptr, current.not_before,
                          current.expires_on});
  return {json::value(ctx.services.tokens.Roll(Owner(ctx), ctx.Param("token_id"))), {}, {}};
}

Reply Verify(Context& ctx) {
  const auth::Principal& p = ctx.principal;
  if (p.kind != auth::Principal::Kind::kUserToken || !p.token) {
    throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
  }
  return VerifyReply(*p.token);
}

Reply PermissionGroups(Context& ctx) { return PermissionGroupsReply(ctx, false); }

}  // namespace

void AddUserTokenRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/user/tokens/permission_groups", PermissionGroups, Access::kUser,
               "com.cloudflare.api.token.read", "", true});
  r.push_back(
      {verb::get, "/user/tokens/verify", Verify, Access::kTokenVerify, "", "", true});
  r.push_back({verb::get, "/user/tokens", List, Access::kUser, "com.cloudflare.api.token.list", ""});
  r.push_back({verb::post, "/user/tokens", Create, Access::kUser,
               "com.cloudflare.api.token.create", "Create Token"});
  r.push_back({verb::get, "/user/tokens/{token_id}", Get, Access::kUser,
               "com.cloudflare.api.token.read", ""});
  r.push_back({verb::put, "/user/tokens/{token_id}", Update, Access::kUser,
               "com.cloudflare.api.token.update", "Update Token"});
  r.push_back({verb::delete_, "/user/tokens/{token_id}", Delete, Access::kUser,
               "com.cloudflare.api.token.delete", "Delete Token"});
  r.push_back({verb::put, "/user/tokens/{token_id}/value", Roll, Access::kUser,
               "com.cloudflare.api.token.update", "Roll Token"});
}

}  // namespace cfiam::api
