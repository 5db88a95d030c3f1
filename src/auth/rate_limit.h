// RateLimiter: Cloudflare's global API rate limit — at most `limit` requests
// per `window` per credential owner (a user, whatever credential it uses; an
// account for account-owned tokens). Beyond it the owner is refused until the
// window ends.
//
// Fixed windows kept in memory, sharded by owner so concurrent requests of
// different owners rarely meet on a lock (each shard's critical section is a
// hash lookup and an increment). Off by default; when off the dispatcher's
// only cost is one branch on enabled().
//
// Thread-safety: Configure before serving; Hit from any thread.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/clock.h"

namespace cfiam::auth {

struct RateLimitPolicy {
  std::int64_t limit = 0;           // requests per window; 0 = off
  std::int64_t window_seconds = 0;  // window length
};

// "off", or "<requests>/<n><s|m|h>" such as "1200/5m" or "3/2s". nullopt when
// malformed (zero requests or a zero window included).
std::optional<RateLimitPolicy> ParseRateLimit(std::string_view spec);

class RateLimiter {
 public:
  struct Verdict {
    bool allowed = true;
    std::int64_t remaining = 0;      // requests left in this window
    std::int64_t reset_seconds = 0;  // until the window ends, rounded up (>= 1)
  };

  void Configure(RateLimitPolicy policy) { policy_ = policy; }
  bool enabled() const { return policy_.limit > 0; }
  const RateLimitPolicy& policy() const { return policy_; }

  // Counts one request of `owner` at `now`. REQUIRES: enabled().
  Verdict Hit(const std::string& owner, Micros now);

 private:
  struct Window {
    Micros start = 0;
    std::int64_t count = 0;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Window> windows;
  };
  static constexpr std::size_t kShards = 64;
  // Above this many owners a shard drops the windows that have ended.
  static constexpr std::size_t kPruneAbove = 4096;

  RateLimitPolicy policy_;
  std::array<Shard, kShards> shards_;
};

// The headers Cloudflare documents: `Ratelimit: "default";r=<left>;t=<reset>`
// and `Ratelimit-Policy: "default";q=<limit>;w=<window>` on every counted
// response, plus `Retry-After: <reset>` when refused.
std::vector<std::pair<std::string, std::string>> RateLimitHeaders(
    const RateLimitPolicy& policy, const RateLimiter::Verdict& verdict);

}  // namespace cfiam::auth
