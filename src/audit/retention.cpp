#include "audit/retention.h"

#include "util/text.h"

namespace cfiam::audit {

std::optional<Age> ParseAge(std::string_view s) {
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  long long n = 0;
  if (digits == 0 || digits > 9 || !ParseUint(s.substr(0, digits), n) || n == 0) {
    return std::nullopt;
  }
  const std::string_view unit = s.substr(digits);
  constexpr long long kSecond = 1000000;
  constexpr long long kMaxMonths = 12 * 1000;
  constexpr long long kMaxMicros = kMaxMonths * 31 * 86400 * kSecond;
  Age age;
  long long micros_per_unit = 0;
  if (unit == "mo" || unit == "y") {
    const long long months = unit == "y" ? n * 12 : n;
    if (months > kMaxMonths) return std::nullopt;
    age.months = static_cast<int>(months);
    return age;
  }
  if (unit == "s") micros_per_unit = kSecond;
  if (unit == "m") micros_per_unit = 60 * kSecond;
  if (unit == "h") micros_per_unit = 3600 * kSecond;
  if (unit == "d") micros_per_unit = 86400 * kSecond;
  if (unit == "w") micros_per_unit = 7 * 86400 * kSecond;
  if (micros_per_unit == 0 || n > kMaxMicros / micros_per_unit) return std::nullopt;
  age.micros = n * micros_per_unit;
  return age;
}

std::int64_t PruneAuditLog(store::Store& store, Micros cutoff, std::int64_t chunk,
                           std::int64_t max_rows) {
  std::int64_t total = 0;
  while (total < max_rows) {
    auto tx = store.Write();
    const std::int64_t n = store.PruneAuditEntries(*tx, cutoff, chunk);
    tx->Commit();
    total += n;
    if (n < chunk) break;
  }
  return total;
}

}  // namespace cfiam::audit
