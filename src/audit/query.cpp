#include "audit/query.h"

#include <initializer_list>
#include <vector>

#include "util/failure.h"
#include "util/text.h"

namespace cfiam::audit {
namespace {

using store::AuditField;

struct FieldSpec {
  std::string_view name;
  AuditField field;
  // Allowed values of enumerated fields (the contract's enums plus the
  // values SDK 7.3.0 may send); empty = any string.
  std::initializer_list<std::string_view> allowed = {};
  bool integer = false;
};

const FieldSpec kFields[] = {
    {"id", AuditField::kId},
    {"audit_log_id", AuditField::kId},
    {"account_name", AuditField::kAccountName},
    {"action_result", AuditField::kActionResult, {"success", "failure"}},
    {"action_type", AuditField::kActionType, {"create", "delete", "view", "update"}},
    {"actor_context",
     AuditField::kActorContext,
     {"api", "api_key", "api_token", "dash", "oauth", "origin_ca_key"}},
    {"actor_email", AuditField::kActorEmail},
    {"actor_id", AuditField::kActorId},
    {"actor_ip_address", AuditField::kActorIpAddress},
    {"actor_token_id", AuditField::kActorTokenId},
    {"actor_token_name", AuditField::kActorTokenName},
    {"actor_type",
     AuditField::kActorType,
     {"account", "cloudflare_admin", "delegated_service", "system", "user"}},
    {"raw_cf_ray_id", AuditField::kRawCfRayId},
    {"raw_method", AuditField::kRawMethod},
    {"raw_status_code", AuditField::kRawStatusCode, {}, true},
    {"raw_uri", AuditField::kRawUri},
    {"resource_id", AuditField::kResourceId},
    {"resource_product", AuditField::kResourceProduct},
    {"resource_scope", AuditField::kResourceScope, {"accounts", "user", "zones", "memberships"}},
    {"resource_type", AuditField::kResourceType},
    {"zone_id", AuditField::kZoneId},
    {"zone_name", AuditField::kZoneName},
};

[[noreturn]] void Invalid(std::string_view name, std::string_view why) {
  throw Failure::Refused("Invalid value for query parameter '" + std::string(name) +
                         "': " + std::string(why));
}

store::Value FilterValue(const FieldSpec& spec, std::string_view param, std::string_view raw) {
  if (spec.integer) {
    long long n = 0;
    if (!ParseUint(raw, n) || n > 999) Invalid(param, "must be an integer status code");
    return static_cast<std::int64_t>(n);
  }
  if (spec.allowed.size() == 0) return std::string(raw);
  for (std::string_view a : spec.allowed) {
    if (raw == a) return std::string(raw);
  }
  std::string list;
  for (std::string_view a : spec.allowed) {
    if (!list.empty()) list += ", ";
    list += a;
  }
  Invalid(param, "must be one of " + list);
}

void ReadFilters(const api::QueryParams& params, store::AuditQuery& q) {
  for (const FieldSpec& spec : kFields) {
    store::AuditFilter& f = q.filters[static_cast<std::size_t>(spec.field)];
    const std::string negated = std::string(spec.name) + ".not";
    for (std::string_view v : params.All(spec.name)) {
      f.any_of.push_back(FilterValue(spec, spec.name, v));
    }
    for (std::string_view v : params.All(negated)) {
      f.none_of.push_back(FilterValue(spec, negated, v));
    }
  }
  auto& products = q.filters[static_cast<std::size_t>(AuditField::kResourceProduct)].any_of;
  for (std::string_view v : params.All("product_category")) products.push_back(ToLower(v));
}

Micros RequiredInstant(const api::QueryParams& params, std::string_view name) {
  auto raw = params.Get(name);
  if (!raw) {
    throw Failure::Refused("Missing required query parameter '" + std::string(name) +
                           "' (a date YYYY-MM-DD or an RFC 3339 timestamp)");
  }
  auto t = ParseInstant(*raw);
  if (!t) Invalid(name, "must be a date YYYY-MM-DD or an RFC 3339 timestamp");
  return *t;
}

}  // namespace

std::optional<Micros> ParseInstant(std::string_view s) {
  if (s.size() == 10) return ParseDate(s);
  return ParseRfc3339(s);
}

ListRequest ParseListRequest(const api::QueryParams& params) {
  ListRequest r;
  store::AuditQuery& q = r.query;
  q.since = RequiredInstant(params, "since");
  q.before = RequiredInstant(params, "before");
  if (q.since >= q.before) Invalid("since", "must be earlier than 'before'");
  ReadFilters(params, q);
  q.descending = api::EnumParam(params, "direction", {"desc", "asc"}).value_or("desc") == "desc";
  if (auto raw = params.Get("limit")) {
    long long n = 0;
    if (!ParseUint(*raw, n) || n < 1 || n > kMaxLimit) {
      Invalid("limit", "must be an integer from 1 to " + std::to_string(kMaxLimit));
    }
    r.limit = n;
  }
  // An empty cursor is the first page (clients that always send the parameter).
  if (auto c = params.Get("cursor"); c && !c->empty()) r.cursor = std::string(*c);
  return r;
}

}  // namespace cfiam::audit
