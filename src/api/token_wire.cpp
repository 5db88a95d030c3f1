#include "api/token_wire.h"

#include <boost/json.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/grammar/string_token.hpp>

#include "api/input.h"
#include "api/json_text.h"
#include "api/list_cache.h"
#include "api/pagination.h"
#include "api/services.h"
#include "auth/token_policy.h"
#include "util/api_error.h"
#include "util/text.h"

namespace cfiam::api {
namespace json = boost::json;

namespace {

constexpr std::size_t kNameMax = 120;

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

const json::value* Field(const ObjectReader& body, std::string_view name) {
  const json::value* v = body.object().if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

// Validates policies + condition into `draft`'s stored and compiled forms.
// `previous`: the stored policies an update replaces (unchanged ones keep
// their ids).
void CompilePolicies(const Context& ctx, const json::value* policies, const json::value* condition,
                     std::optional<std::string_view> own_account, TokenDraft& draft,
                     const json::array* previous = nullptr) {
  json::array canonical_policies;
  json::object canonical_condition;
  draft.policy = std::make_shared<auth::TokenPolicy>(
      auth::TokenPolicy::Parse(policies, condition, ctx.services.catalog, own_account,
                               canonical_policies, canonical_condition, previous));
  draft.policies_json = json::serialize(canonical_policies);
  draft.condition_json = json::serialize(canonical_condition);
}

// The SDK documents these filters as URL-encoded values, so a client may
// encode twice: accept the value decoded once more as well.
bool FilterMatches(std::optional<std::string_view> filter, std::string_view value) {
  if (!filter) return true;
  if (*filter == value) return true;
  auto decoded = boost::urls::make_pct_string_view(*filter);
  return decoded && (*decoded).decode() == value;
}

}  // namespace

std::string EffectiveStatus(const Token& t) { return EffectiveStatus(t.status, t.expires_on); }

std::string EffectiveStatus(const std::string& status, const std::optional<Micros>& expires_on) {
  if (ExpiredAt(status, expires_on, NowMicros())) return "expired";
  return status;
}

bool ExpiredAt(const std::string& status, const std::optional<Micros>& expires_on, Micros now) {
  return status == "active" && expires_on && now >= *expires_on;
}

json::object RenderToken(const Token& t, const TokenService& tokens, const json::storage_ptr& sp) {
  json::object o(sp);
  o.reserve(10);
  o.emplace("id", t.id);
  o.emplace("name", t.name);
  o.emplace("status", EffectiveStatus(t));
  o.emplace("issued_on", FormatRfc3339(t.issued_on));
  o.emplace("modified_on", FormatRfc3339(t.modified_on));
  o.emplace("policies", json::parse(t.policies_json, sp));
  if (auto used = tokens.LastUsedOn(t)) o["last_used_on"] = FormatRfc3339(*used);
  if (t.not_before) o["not_before"] = FormatRfc3339(*t.not_before);
  if (t.expires_on) o["expires_on"] = FormatRfc3339(*t.expires_on);
  // Most tokens have no condition ("{}"): skip parsing it.
  if (t.condition_json != "{}") {
    json::value condition = json::parse(t.condition_json, sp);
    if (condition.is_object() && !condition.get_object().empty()) {
      o["condition"] = std::move(condition);
    }
  }
  return o;
}

void AppendTokenJson(CachedPage& page, const Token& t, StoredLastUsed& stored) {
  // Member for member RenderToken's object, in its order.
  std::string* out = &page.text();
  out->append(R"({"id":)");
  AppendJsonString(*out, t.id);
  out->append(R"(,"name":)");
  AppendJsonString(*out, t.name);
  out->append(R"(,"status":)");
  if (t.status == "active" && t.expires_on) {
    // Becomes "expired" by the clock alone.
    page.AddLive({LiveValue::Kind::kTokenStatus, {}, t.status, t.expires_on});
    out = &page.text();
  } else {
    AppendJsonString(*out, t.status);
  }
  out->append(R"(,"issued_on":)");
  AppendJsonString(*out, FormatRfc3339(t.issued_on));
  out->append(R"(,"modified_on":)");
  AppendJsonString(*out, FormatRfc3339(t.modified_on));
  out->append(R"(,"policies":)");
  // Stored by json::serialize, so normally canonical already; anything else
  // (a row written by other means) goes through the parser as before.
  if (IsCanonicalJson(t.policies_json)) {
    out->append(t.policies_json);
  } else {
    AppendJson(*out, json::parse(t.policies_json));
  }
  page.AddLive({LiveValue::Kind::kTokenLastUsed, t.id, {}, {}});
  stored.push_back(t.last_used_on);
  out = &page.text();
  if (t.not_before) {
    out->append(R"(,"not_before":)");
    AppendJsonString(*out, FormatRfc3339(*t.not_before));
  }
  if (t.expires_on) {
    out->append(R"(,"expires_on":)");
    AppendJsonString(*out, FormatRfc3339(*t.expires_on));
  }
  if (t.condition_json != "{}") {
    const json::value condition = json::parse(t.condition_json);
    if (condition.is_object() && !condition.get_object().empty()) {
      out->append(R"(,"condition":)");
      AppendJson(*out, condition);
    }
  }
  out->push_back('}');
}

void AppendLiveTokenValue(std::string& out, const LiveValue& v, const LiveNow& now) {
  if (v.kind == LiveValue::Kind::kTokenStatus) {
    AppendJsonString(out, now.expired ? std::string_view("expired") : std::string_view(v.status));
    return;
  }
  if (now.last_used) {
    out.append(R"(,"last_used_on":)");
    AppendJsonString(out, FormatRfc3339(*now.last_used));
  }
}

TokenDraft ReadCreateBody(const Context& ctx, std::optional<std::string_view> own_account) {
  ObjectReader body(ctx.body);
  TokenDraft draft;
  draft.name = body.RequiredName("name", kNameMax);
  draft.not_before = TimeField(body, "not_before");
  draft.expires_on = TimeField(body, "expires_on");
  CheckWindow(draft.not_before, draft.expires_on);
  CompilePolicies(ctx, Field(body, "policies"), Field(body, "condition"), own_account, draft);
  return draft;
}

TokenDraft ReadUpdateBody(const Context& ctx, const Token& current,
                          std::optional<std::string_view> own_account) {
  ObjectReader body(ctx.body);
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
  CompilePolicies(ctx, policies, condition, own_account, draft, stored_policies.if_array());
  return draft;
}

void CheckRollBody(const Context& ctx) {
  if (ctx.body && !(ctx.body->is_object() && ctx.body->get_object().empty())) {
    throw ApiError(400, codes::kInvalidRequest, "The roll request body must be {} or empty");
  }
}

Reply VerifyReply(const auth::TokenRef& t) {
  // The token authenticated just now, so it is active and not yet expired
  // (EffectiveStatus would say the same). Written as text (every verify comes
  // here): {id, status[, not_before][, expires_on]}, as the tree was.
  Reply reply;
  std::string& out = reply.result_text;
  out.reserve(128);
  out.append(R"({"id":)");
  AppendJsonString(out, t.id().view());
  out.append(t.active() ? R"(,"status":"active")" : R"(,"status":"disabled")");
  if (auto nb = t.not_before()) {
    out.append(R"(,"not_before":)");
    AppendJsonString(out, FormatRfc3339(*nb));
  }
  if (auto exp = t.expires_on()) {
    out.append(R"(,"expires_on":)");
    AppendJsonString(out, FormatRfc3339(*exp));
  }
  out.push_back('}');
  reply.messages_text = R"([{"code":10000,"message":"This API Token is valid and active"}])";
  return reply;
}

Reply PermissionGroupsReply(const Context& ctx, bool account_level_only) {
  const auto name = ctx.query.Get("name");
  const auto scope = ctx.query.Get("scope");
  json::array items;
  for (const auth::TokenPermissionGroup& g : ctx.services.catalog.permission_groups()) {
    bool account_level = false;
    for (const std::string& s : g.scopes) account_level |= s != "com.cloudflare.api.user";
    if ((account_level_only && !account_level) || !FilterMatches(name, g.name)) continue;
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

namespace {

// The page a list request asks for, and its key in the rendered-page cache.
struct TokensPage {
  PageParams page;
  bool desc = false;
  std::string key;
};

TokensPage PageOf(const Context& ctx, const TokenOwner& owner) {
  TokensPage p;
  p.page = ParsePaging(ctx);
  p.desc = Descending(ctx.query);
  // "account_tokens <account id> ..." or "user_tokens <user id> ...".
  p.key = owner.kind + "_tokens " + owner.id + ' ' + std::to_string(p.page.page) + ' ' +
          std::to_string(p.page.per_page) + (p.desc ? " desc" : " asc");
  return p;
}

}  // namespace

bool TokenListKept(const Context& ctx, const TokenOwner& owner, std::int64_t version,
                   Reply& reply) {
  return KeptListReply(ctx.services, PageOf(ctx, owner).key, version, reply);
}

Reply TokenListReply(Context& ctx, const TokenOwner& owner) {
  const TokensPage p = PageOf(ctx, owner);
  const PageParams& page = p.page;
  const bool desc = p.desc;
  return CachedListReply(ctx, p.key, [&](CachedPage& out, StoredLastUsed& stored) {
    auto result = ctx.services.tokens.List(ctx.tx(), owner, desc, page.per_page, page.offset());
    BeginPageBody(out);
    for (std::size_t i = 0; i < result.items.size(); ++i) {
      if (i > 0) out.text().push_back(',');
      AppendTokenJson(out, result.items[i], stored);
    }
    EndPageBody(out, page, result.items.size(), result.total);
  });
}

}  // namespace cfiam::api
