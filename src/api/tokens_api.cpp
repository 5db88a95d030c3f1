// /accounts/{account_id}/tokens...: account-owned API tokens, their permission
// group catalog, rolling and verification.
#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/grammar/string_token.hpp>

#include "api/input.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "auth/token_policy.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

constexpr std::size_t kNameMax = 120;

std::string EffectiveStatus(const Token& t) {
  if (t.status == "active" && t.expires_on && NowMicros() >= *t.expires_on) return "expired";
  return t.status;
}

json::object RenderToken(const Token& t, const TokenService& tokens) {
  json::object o{{"id", t.id},
                 {"name", t.name},
                 {"status", EffectiveStatus(t)},
                 {"issued_on", FormatRfc3339(t.issued_on)},
                 {"modified_on", FormatRfc3339(t.modified_on)},
                 {"policies", json::parse(t.policies_json)}};
  if (auto used = tokens.LastUsedOn(t)) o["last_used_on"] = FormatRfc3339(*used);
  if (t.not_before) o["not_before"] = FormatRfc3339(*t.not_before);
  if (t.expires_on) o["expires_on"] = FormatRfc3339(*t.expires_on);
  json::value condition = json::parse(t.condition_json);
  if (condition.is_object() && !condition.get_object().empty()) o["condition"] = condition;
  return o;
}

// Reads an optional RFC 3339 time field; JSON null clears it.
std::optional<Micros> TimeField(const ObjectReader& body, std::string_view field) {
  auto s = body.String(field, 64);
  if (!s) return std::nullopt;
  auto t = ParseRfc3339(*s);
  if (!t) throw ApiError::Invalid(std::string(field), "must be an RFC 3339 timestamp");
  return t;
}

void CheckWindow(const std::optional<Micros>& not_before, const std::optional<Micros>& expires_on) {
  if (not_before && expires_on && *expires_on <= *not_before) {
    throw ApiError::Invalid("expires_on", "must be after not_before");
  }
}

auth::TokenLimits LimitsOf(const std::optional<Micros>& not_before,
                           const std::optional<Micros>& expires_on,
                           const auth::TokenPolicy& policy) {
  return {not_before, expires_on, &policy.ip};
}

// The ceiling for an existing token: updating or rolling it requires holding
// everything it holds (deleting it does not: revocation only narrows).
void RequireHolding(Context& ctx, const Token& token) {
  const auth::TokenPolicy policy = auth::TokenPolicy::FromStored(
      token.policies_json, token.condition_json, ctx.services.catalog);
  ctx.services.ceiling.RequireToken(ctx.principal, token.account_id, policy,
                                    LimitsOf(token.not_before, token.expires_on, policy));
}

// Validates policies + condition into a draft (name and window set by
// callers first) and applies the ceiling to the result. Input errors (400)
// come before the ceiling (403). `previous`: the stored policies an update
// replaces (unchanged ones keep their ids).
void ParsePolicies(Context& ctx, const json::value* policies, const json::value* condition,
                   const std::string& account_id, TokenDraft& draft,
                   const json::array* previous = nullptr) {
  json::array canonical_policies;
  json::object canonical_condition;
  auto policy = std::make_shared<auth::TokenPolicy>(
      auth::TokenPolicy::Parse(policies, condition, ctx.services.catalog, account_id,
                               canonical_policies, canonical_condition, previous));
  ctx.services.ceiling.RequireToken(ctx.principal, account_id, *policy,
                                    LimitsOf(draft.not_before, draft.expires_on, *policy));
  draft.policies_json = json::serialize(canonical_policies);
  draft.condition_json = json::serialize(canonical_condition);
  draft.policy = std::move(policy);
}

const json::value* Field(const ObjectReader& body, std::string_view name) {
  const json::value* v = body.object().if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string& account_id = ctx.Param("account_id");
  TokenDraft draft;
  draft.name = body.RequiredName("name", kNameMax);
  draft.not_before = TimeField(body, "not_before");
  draft.expires_on = TimeField(body, "expires_on");
  CheckWindow(draft.not_before, draft.expires_on);
  ParsePolicies(ctx, Field(body, "policies"), Field(body, "condition"), account_id, draft);
  auto [token, secret] = ctx.services.tokens.Create(account_id, std::move(draft));
  json::object out = RenderToken(token, ctx.services.tokens);
  out["value"] = secret;
  return {std::move(out), {}, {}};
}

Reply List(Context& ctx) {
  const PageParams page = ParsePaging(ctx.query, {20, 5, 50});
  const bool desc = Descending(ctx.query);
  auto result =
      ctx.services.tokens.List(ctx.Param("account_id"), desc, page.per_page, page.offset());
  return PageReply(result, page,
                   [&](const Token& t) { return RenderToken(t, ctx.services.tokens); });
}

Reply Get(Context& ctx) {
  return {RenderToken(ctx.services.tokens.Get(ctx.Param("account_id"), ctx.Param("token_id")),
                      ctx.services.tokens),
          {},
          {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  const std::string& account_id = ctx.Param("account_id");
  const Token current = ctx.services.tokens.Get(account_id, ctx.Param("token_id"));
  TokenDraft draft;
  draft.name = body.Has("name") ? body.RequiredName("name", kNameMax) : current.name;
  draft.status = body.Enum("status", {"active", "disabled", "expired"}).value_or(current.status);
  if (draft.status == "expired") {
    // "expired" is derived from expires_on; a client echoing it back keeps the stored status.
    draft.status = current.status;
  }
  const auto& obj = body.object();
  draft.not_before =
      obj.contains("not_before") ? TimeField(body, "not_before") : current.not_before;
  draft.expires_on =
      obj.contains("expires_on") ? TimeField(body, "expires_on") : current.expires_on;
  CheckWindow(draft.not_before, draft.expires_on);
  const json::value stored_policies = json::parse(current.policies_json);
  const json::value stored_condition = json::parse(current.condition_json);
  const json::value* policies =
      Field(body, "policies") ? Field(body, "policies") : &stored_policies;
  const json::value* condition =
      obj.contains("condition") ? Field(body, "condition") : &stored_condition;
  ParsePolicies(ctx, policies, condition, account_id, draft, stored_policies.if_array());
  RequireHolding(ctx, current);
  return {
      RenderToken(ctx.services.tokens.Update(account_id, ctx.Param("token_id"), std::move(draft)),
                  ctx.services.tokens),
      {},
      {}};
}

Reply Delete(Context& ctx) {
  ctx.services.tokens.Delete(ctx.Param("account_id"), ctx.Param("token_id"));
  return {json::object{{"id", ctx.Param("token_id")}}, {}, {}};
}

Reply Roll(Context& ctx) {
  if (ctx.body && !(ctx.body->is_object() && ctx.body->get_object().empty())) {
    throw ApiError(400, codes::kInvalidRequest, "The roll request body must be {} or empty");
  }
  RequireHolding(ctx, ctx.services.tokens.Get(ctx.Param("account_id"), ctx.Param("token_id")));
  return {json::value(ctx.services.tokens.Roll(ctx.Param("account_id"), ctx.Param("token_id"))),
          {},
          {}};
}

Reply Verify(Context& ctx) {
  const auth::Principal& p = ctx.principal;
  if (!p.is_account_token() || p.token->account_id != ctx.Param("account_id")) {
    throw ApiError(401, codes::kInvalidApiToken, "Invalid API Token");
  }
  json::object out{{"id", p.token->id}, {"status", EffectiveStatus(*p.token)}};
  if (p.token->not_before) out["not_before"] = FormatRfc3339(*p.token->not_before);
  if (p.token->expires_on) out["expires_on"] = FormatRfc3339(*p.token->expires_on);
  json::array messages{
      json::object{{"code", 10000}, {"message", "This API Token is valid and active"}}};
  return {std::move(out), {}, std::move(messages)};
}

// The SDK documents these filters as URL-encoded values, so a client may
// encode twice: accept the value decoded once more as well.
bool FilterMatches(std::optional<std::string_view> filter, std::string_view value) {
  if (!filter) return true;
  if (*filter == value) return true;
  auto decoded = boost::urls::make_pct_string_view(*filter);
  return decoded && (*decoded).decode() == value;
}

Reply PermissionGroups(Context& ctx) {
  const auto name = ctx.query.Get("name");
  const auto scope = ctx.query.Get("scope");
  json::array items;
  for (const auth::TokenPermissionGroup& g : ctx.services.catalog.permission_groups()) {
    bool account_level = false;
    for (const std::string& s : g.scopes) account_level |= s != "com.cloudflare.api.user";
    if (!account_level || !FilterMatches(name, g.name)) continue;
    bool scope_ok = !scope;
    for (const std::string& s : g.scopes) scope_ok |= FilterMatches(scope, s);
    if (!scope_ok) continue;
    json::array scopes;
    for (const std::string& s : g.scopes) scopes.emplace_back(s);
    items.push_back(json::object{{"id", g.id}, {"name", g.name}, {"scopes", std::move(scopes)}});
  }
  const std::size_t count = items.size();
  return {std::move(items), SinglePageInfo(count), {}};
}

}  // namespace

void AddTokenRoutes(std::vector<Route>& r) {
  r.push_back({verb::get, "/accounts/{account_id}/tokens/permission_groups", PermissionGroups,
               Access::kAccount, "com.cloudflare.api.account.token.read", ""});
  r.push_back({verb::get, "/accounts/{account_id}/tokens/verify", Verify, Access::kTokenVerify, "",
               "", true});
  r.push_back({verb::get, "/accounts/{account_id}/tokens", List, Access::kAccount,
               "com.cloudflare.api.account.token.list", ""});
  r.push_back({verb::post, "/accounts/{account_id}/tokens", Create, Access::kAccount,
               "com.cloudflare.api.account.token.create", "Create Token"});
  r.push_back({verb::get, "/accounts/{account_id}/tokens/{token_id}", Get, Access::kAccount,
               "com.cloudflare.api.account.token.read", ""});
  r.push_back({verb::put, "/accounts/{account_id}/tokens/{token_id}", Update, Access::kAccount,
               "com.cloudflare.api.account.token.update", "Update Token"});
  r.push_back({verb::delete_, "/accounts/{account_id}/tokens/{token_id}", Delete, Access::kAccount,
               "com.cloudflare.api.account.token.delete", "Delete Token"});
  r.push_back({verb::put, "/accounts/{account_id}/tokens/{token_id}/value", Roll, Access::kAccount,
               "com.cloudflare.api.account.token.update", "Roll Token"});
}

}  // namespace cfiam::api
