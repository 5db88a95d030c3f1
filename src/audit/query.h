// Parsing of the audit-log list query (GET /accounts/{id}/logs/audit): the
// time window, the filters, direction, limit and cursor. Every violation is a
// 400 that names the query parameter.
//
// Filters: each field takes repeated values (`action_type=create&
// action_type=update`, OR within the field) and a `.not` form that excludes
// (`actor_email.not=a%40b.c`); fields AND together. `audit_log_id` is `id`.
// `product_category` is matched as a lower-cased resource_product value (OR
// with resource_product), as cfiam's products are their own categories.
// Other parameters are ignored, as on every cfiam route.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/query.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::audit {

inline constexpr std::int64_t kDefaultLimit = 100;
inline constexpr std::int64_t kMaxLimit = 1000;

struct ListRequest {
  // The window, filters and direction; account_id, after and limit are the reader's.
  store::AuditQuery query;
  std::int64_t limit = kDefaultLimit;
  std::optional<std::string> cursor;  // as sent, not yet verified
};

// Throws Failure 400 naming the parameter on any invalid value.
ListRequest ParseListRequest(const api::QueryParams& params);

// "YYYY-MM-DD" (midnight UTC) or an RFC 3339 timestamp with Z or an offset.
std::optional<Micros> ParseInstant(std::string_view s);

}  // namespace cfiam::audit
