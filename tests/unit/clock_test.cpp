#include "util/clock.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

namespace cfiam {
namespace {

TEST(Clock, FormatsEpochAndFractions) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'250'000), "2023-11-14T22:13:20.25Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'000'010), "2023-11-14T22:13:20.00001Z");
}

// The snprintf formatter FormatRfc3339 replaced, kept as the reference.
std::string ReferenceFormat(Micros t) {
  std::int64_t secs = t >= 0 ? t / 1000000 : (t - 999999) / 1000000;
  const std::int64_t frac = t - secs * 1000000;
  std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  std::int64_t rem = secs - days * 86400;
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[96];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  if (frac != 0) {
    std::int64_t f = frac;
    int digits = 6;
    while (f % 10 == 0) {
      f /= 10;
      --digits;
    }
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%0*lld", digits,
                       static_cast<long long>(f));
  }
  std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), "Z");
  return buf;
}

TEST(Clock, HandFormattingMatchesPrintf) {
  std::mt19937_64 rng(42);
  // Four-digit years (the hand-written path) and beyond on both sides (the fallback).
  std::uniform_int_distribution<Micros> any(-70'000'000'000'000'000, 300'000'000'000'000'000);
  std::uniform_int_distribution<Micros> fraction(0, 999'999);
  for (int i = 0; i < 100'000; ++i) {
    Micros t = any(rng);
    if (i % 3 == 0) t -= t % 1'000'000;  // whole seconds
    if (i % 3 == 1) t = t - t % 1'000'000 + fraction(rng) / 1000 * 1000;
    ASSERT_EQ(FormatRfc3339(t), ReferenceFormat(t)) << t;
  }
  for (Micros t : {Micros{-1}, Micros{253'402'300'799'999'999}, Micros{253'402'300'800'000'000},
                   Micros{-62'167'219'200'000'000}, Micros{-62'167'219'200'000'001}}) {
    EXPECT_EQ(FormatRfc3339(t), ReferenceFormat(t)) << t;
  }
  EXPECT_EQ(FormatRfc3339(253'402'300'799'999'999), "9999-12-31T23:59:59.999999Z");
}

TEST(Clock, RoundTrips) {
  for (Micros t : {Micros{0}, Micros{951'782'400'000'000}, Micros{1'795'000'000'000'001}}) {
    auto parsed = ParseRfc3339(FormatRfc3339(t));
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, t);
  }
}

TEST(Clock, ParsesOffsetsAndDates) {
  EXPECT_EQ(ParseRfc3339("2026-11-21T12:00:00+01:00"), ParseRfc3339("2026-11-21T11:00:00Z"));
  EXPECT_EQ(ParseDate("2000-02-29"), Micros{951'782'400'000'000});
}

TEST(Clock, RejectsMalformed) {
  for (const char* s : {"", "2026-11-21", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z",
                        "2026-11-21T25:00:00Z", "2026-11-21T12:00:00", "2026-11-21T12:00:00.Z",
                        "2026-11-21T12:00:00Zjunk", "2026-11-21 12:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(s).has_value()) << s;
  }
  EXPECT_FALSE(ParseDate("2023-02-29").has_value());
  EXPECT_FALSE(ParseDate("2023-2-01").has_value());
}

}  // namespace
}  // namespace cfiam
