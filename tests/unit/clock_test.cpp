#include "util/clock.h"

#include <gtest/gtest.h>

namespace cfiam {
namespace {

TEST(Clock, FormatsEpochAndFractions) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'123'456), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'250'000), "2023-11-14T22:13:20.25Z");
  EXPECT_EQ(FormatRfc3339(1'700'000'000'000'010), "2023-11-14T22:13:20.00001Z");
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
