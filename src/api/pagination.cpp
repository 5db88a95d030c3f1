#include "api/pagination.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "util/api_error.h"

namespace cfiam::api {
namespace {

// The spec types these as numbers: accept "3" and "3.0", refuse anything else.
std::int64_t NumberParam(const QueryParams& q, std::string_view name, std::int64_t fallback) {
  auto raw = q.Get(name);
  if (!raw) return fallback;
  double value = 0;
  const char* end = raw->data() + raw->size();
  auto [ptr, ec] = std::from_chars(raw->data(), end, value);
  if (raw->empty() || ec != std::errc() || ptr != end || !std::isfinite(value)) {
    throw ApiError(
        400, codes::kInvalidRequest,
        "Invalid value for query parameter '" + std::string(name) + "': must be a number");
  }
  value = std::floor(value);
  if (value > 1e12) return 1000000000000;
  if (value < -1e12) return -1000000000000;
  return static_cast<std::int64_t>(value);
}

}  // namespace

PageParams ParsePaging(const QueryParams& q, const PageBounds& bounds) {
  PageParams p;
  p.page = std::clamp<std::int64_t>(NumberParam(q, "page", 1), 1, 1000000000);
  p.per_page = std::clamp(NumberParam(q, "per_page", bounds.default_per_page), bounds.min_per_page,
                          bounds.max_per_page);
  return p;
}

PageParams ParsePaging(const Context& ctx) {
  return ParsePaging(ctx.query, ctx.route.paging.bounds);
}

bool Descending(const QueryParams& q) {
  return EnumParam(q, "direction", {"asc", "desc"}).value_or("asc") == "desc";
}

boost::json::object PageInfo(const PageParams& p, std::size_t count, std::int64_t total) {
  const std::int64_t pages = total == 0 ? 0 : (total + p.per_page - 1) / p.per_page;
  return {{"page", p.page},
          {"per_page", p.per_page},
          {"count", static_cast<std::int64_t>(count)},
          {"total_count", total},
          {"total_pages", pages}};
}

boost::json::object SinglePageInfo(std::size_t count) {
  const auto n = static_cast<std::int64_t>(count);
  return {{"page", 1}, {"per_page", n}, {"count", n}, {"total_count", n}};
}

}  // namespace cfiam::api
