// Audit-log retention: the age limit and the pruning pass that enforces it.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "store/store.h"
#include "util/clock.h"

namespace cfiam::audit {

// A span of calendar months plus a fixed number of microseconds, so "18mo"
// means 18 calendar months, not 18 * 30 days.
struct Age {
  int months = 0;
  Micros micros = 0;

  // The instant this age before `now`.
  Micros Before(Micros now) const { return AddMonths(now, -months) - micros; }
};

// A positive whole number and a unit: s (seconds), m (minutes), h (hours),
// d (days), w (weeks), mo (months), y (years): "90s", "12h", "30d", "18mo",
// "1y". nullopt for anything else or for spans over 1000 years.
std::optional<Age> ParseAge(std::string_view s);

// Deletes entries older than `cutoff` in chunks of `chunk` rows, each chunk in
// its own write transaction so the writer lock is never held for long, until
// no full chunk remains or `max_rows` were deleted (the next pass continues).
// Returns how many were deleted.
std::int64_t PruneAuditLog(store::Store& store, Micros cutoff, std::int64_t chunk = 1000,
                           std::int64_t max_rows = 100000);

}  // namespace cfiam::audit
