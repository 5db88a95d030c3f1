#include "auth/rate_limit.h"

#include <gtest/gtest.h>

namespace cfiam::auth {
namespace {

TEST(RateLimitParse, AcceptsOffAndRequestsPerWindow) {
  EXPECT_EQ(ParseRateLimit("off")->limit, 0);
  auto p = ParseRateLimit("1200/5m");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->limit, 1200);
  EXPECT_EQ(p->window_seconds, 300);
  EXPECT_EQ(ParseRateLimit("3/2s")->window_seconds, 2);
  EXPECT_EQ(ParseRateLimit("10/1h")->window_seconds, 3600);
}

TEST(RateLimitParse, RefusesMalformed) {
  for (const char* bad : {"", "1200", "1200/", "1200/5", "1200/5d", "0/5m", "5/0s", "-1/5m", "a/5m",
                          "5/xm", "5/m", "on"}) {
    EXPECT_FALSE(ParseRateLimit(bad)) << bad;
  }
}

TEST(RateLimiter, CountsPerOwnerAndRecoversAfterTheWindow) {
  RateLimiter limiter;
  limiter.Configure({3, 2});
  const Micros t0 = 1'000'000'000;
  for (int i = 0; i < 3; ++i) {
    auto v = limiter.Hit("u:a", t0 + i);
    EXPECT_TRUE(v.allowed);
    EXPECT_EQ(v.remaining, 2 - i);
    EXPECT_EQ(v.reset_seconds, 2);
  }
  auto refused = limiter.Hit("u:a", t0 + 1'500'000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.remaining, 0);
  EXPECT_EQ(refused.reset_seconds, 1);  // 0.5 s left, rounded up
  EXPECT_TRUE(limiter.Hit("u:b", t0 + 1'500'000).allowed) << "owners are counted apart";
  auto next = limiter.Hit("u:a", t0 + 2'000'000);
  EXPECT_TRUE(next.allowed);
  EXPECT_EQ(next.remaining, 2);
}

TEST(RateLimiter, Headers) {
  auto h = RateLimitHeaders({1200, 300}, {false, 0, 42});
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[0].second, "\"default\";r=0;t=42");
  EXPECT_EQ(h[1].second, "\"default\";q=1200;w=300");
  EXPECT_EQ(h[2], (std::pair<std::string, std::string>{"Retry-After", "42"}));
  EXPECT_EQ(RateLimitHeaders({1200, 300}, {true, 5, 42}).size(), 2u);
}

}  // namespace
}  // namespace cfiam::auth
