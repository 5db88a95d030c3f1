#include "auth/rate_limit.h"

#include <algorithm>
#include <functional>

#include "util/text.h"

namespace cfiam::auth {

std::optional<RateLimitPolicy> ParseRateLimit(std::string_view spec) {
  if (spec == "off") return RateLimitPolicy{};
  const auto slash = spec.find('/');
  if (slash == std::string_view::npos || spec.size() < slash + 3) return std::nullopt;
  long long limit = 0;
  long long count = 0;
  const std::string_view window = spec.substr(slash + 1);
  const char unit = window.back();
  const long long scale = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 0;
  if (!scale || !ParseUint(spec.substr(0, slash), limit) ||
      !ParseUint(window.substr(0, window.size() - 1), count) || limit <= 0 || count <= 0 ||
      limit > 1'000'000'000 || count > 24 * 365) {
    return std::nullopt;
  }
  return RateLimitPolicy{limit, count * scale};
}

RateLimiter::Verdict RateLimiter::Hit(const std::string& owner, Micros now) {
  const Micros window = policy_.window_seconds * 1'000'000;
  Shard& shard = shards_[std::hash<std::string>{}(owner) % kShards];
  Window w;
  {
    std::lock_guard lock(shard.mu);
    auto it = shard.windows.find(owner);
    if (it == shard.windows.end()) {
      if (shard.windows.size() >= kPruneAbove) {
        std::erase_if(shard.windows,
                      [&](const auto& kv) { return now >= kv.second.start + window; });
      }
      it = shard.windows.emplace(owner, Window{now, 0}).first;
    } else if (now >= it->second.start + window) {
      it->second = Window{now, 0};
    }
    // Refused requests count no further: the window's end frees the owner.
    if (it->second.count <= policy_.limit) ++it->second.count;
    w = it->second;
  }
  Verdict v;
  v.allowed = w.count <= policy_.limit;
  v.remaining = v.allowed ? policy_.limit - w.count : 0;
  const Micros left = w.start + window - now;
  v.reset_seconds = std::max<std::int64_t>(1, (left + 999'999) / 1'000'000);
  return v;
}

std::vector<std::pair<std::string, std::string>> RateLimitHeaders(
    const RateLimitPolicy& policy, const RateLimiter::Verdict& verdict) {
  std::vector<std::pair<std::string, std::string>> h;
  h.emplace_back("Ratelimit", "\"default\";r=" + std::to_string(verdict.remaining) +
                                  ";t=" + std::to_string(verdict.reset_seconds));
  h.emplace_back("Ratelimit-Policy", "\"default\";q=" + std::to_string(policy.limit) +
                                         ";w=" + std::to_string(policy.window_seconds));
  if (!verdict.allowed) h.emplace_back("Retry-After", std::to_string(verdict.reset_seconds));
  return h;
}

}  // namespace cfiam::auth
