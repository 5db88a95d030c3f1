#include "domain/rate_plans.h"

#include <gtest/gtest.h>

#include "auth/catalog.h"

namespace cfiam {
namespace {

TEST(RatePlans, PricesFromTheTableAndDerivesMissingFrequencies) {
  const auth::Catalog catalog;
  const RatePlans plans(catalog.rate_plans());
  const RatePlan* pro = plans.Find("pro");
  ASSERT_NE(pro, nullptr);
  EXPECT_EQ(RatePlans::Price(*pro, "monthly"), 25);
  EXPECT_EQ(RatePlans::Price(*pro, "yearly"), 240);
  EXPECT_EQ(RatePlans::Price(*pro, "quarterly"), 75);
  EXPECT_DOUBLE_EQ(RatePlans::Price(*pro, "weekly"), 5.77);
  const RatePlan* ent = plans.Find("enterprise");
  ASSERT_NE(ent, nullptr);
  EXPECT_FALSE(RatePlans::HasPublicPrice(*ent));
  EXPECT_EQ(RatePlans::Price(*ent, "monthly"), 0);
  EXPECT_TRUE(RatePlans::HasPublicPrice(*plans.Find("free")));
  EXPECT_EQ(plans.Find("platinum"), nullptr);
  EXPECT_EQ(plans.all().size(), 10u);
}

TEST(RatePlans, PeriodsUseCalendarMonths) {
  const Micros jan31 = *ParseRfc3339("2027-01-31T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(PeriodEnd(jan31, "monthly")), "2027-02-28T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(PeriodEnd(jan31, "quarterly")), "2027-04-30T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(PeriodEnd(jan31, "yearly")), "2028-01-31T10:00:00Z");
  EXPECT_EQ(FormatRfc3339(PeriodEnd(jan31, "weekly")), "2027-02-07T10:00:00Z");
  const Micros leap = *ParseRfc3339("2028-02-29T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(PeriodEnd(leap, "yearly")), "2029-02-28T00:00:00Z");
  EXPECT_EQ(FormatRfc3339(AddMonths(*ParseRfc3339("2026-11-30T23:59:59Z"), 3)),
            "2027-02-28T23:59:59Z");
  EXPECT_EQ(FormatRfc3339(AddMonths(*ParseRfc3339("2026-03-31T00:00:00Z"), -1)),
            "2026-02-28T00:00:00Z");
}

}  // namespace
}  // namespace cfiam
