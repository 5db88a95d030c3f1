// Wall-clock helpers: RFC 3339 UTC formatting and parsing at microsecond
// precision. Times are carried as microseconds since the Unix epoch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cfiam {

using Micros = std::int64_t;

// A proleptic Gregorian date.
struct Civil {
  std::int64_t y;
  unsigned m, d;
};
// The date `days` after 1970-01-01 (Howard Hinnant's civil_from_days).
Civil CivilFromDays(std::int64_t days);

Micros NowMicros();
// "2026-11-21T12:00:00.123456Z"; fractional part omitted when zero.
std::string FormatRfc3339(Micros t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)". Returns nullopt when malformed.
std::optional<Micros> ParseRfc3339(std::string_view s);
// `t` moved by whole calendar months (negative moves back), keeping the time
// of day; the day is clamped to the target month's length.
Micros AddMonths(Micros t, int months);
// Accepts "YYYY-MM-DD" as midnight UTC.
std::optional<Micros> ParseDate(std::string_view s);

}  // namespace cfiam
