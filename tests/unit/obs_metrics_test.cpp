#include <gtest/gtest.h>

#include <string>

#include "obs/metrics.h"

namespace cfiam::obs::metrics {
namespace {

// The value of the sample whose line starts with `prefix` (name and labels).
double Sample(const std::string& text, const std::string& prefix) {
  const auto at = text.find("\n" + prefix + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + prefix.size() + 2));
}

TEST(Metrics, RequestsByRouteTemplateMethodAndStatus) {
  const int slot = RegisterRoute("PATCH", "/test/{thing_id}");
  EXPECT_EQ(RegisterRoute("PATCH", "/test/{thing_id}"), slot);
  ObserveRequest(slot, 200, 700);    // 0.7 ms
  ObserveRequest(slot, 200, 30000);  // 30 ms
  ObserveRequest(slot, 418, 100);    // not a known status: "other"
  const std::string text = RenderPrometheus();
  const std::string labels = R"(route="/test/{thing_id}",method="PATCH")";
  EXPECT_EQ(Sample(text, "cfiam_http_requests_total{" + labels + R"(,status="200"})"), 2);
  EXPECT_EQ(Sample(text, "cfiam_http_requests_total{" + labels + R"(,status="other"})"), 1);
  EXPECT_EQ(
      Sample(text, "cfiam_http_request_duration_seconds_bucket{" + labels + R"(,le="0.0005"})"), 1);
  EXPECT_EQ(
      Sample(text, "cfiam_http_request_duration_seconds_bucket{" + labels + R"(,le="0.001"})"), 2);
  EXPECT_EQ(Sample(text, "cfiam_http_request_duration_seconds_bucket{" + labels + R"(,le="0.05"})"),
            3);
  EXPECT_EQ(Sample(text, "cfiam_http_request_duration_seconds_bucket{" + labels + R"(,le="+Inf"})"),
            3);
  EXPECT_EQ(Sample(text, "cfiam_http_request_duration_seconds_count{" + labels + "}"), 3);
  EXPECT_DOUBLE_EQ(Sample(text, "cfiam_http_request_duration_seconds_sum{" + labels + "}"), 0.0308);
}

TEST(Metrics, UnmatchedRequestsShareOneLabelPerMethod) {
  EXPECT_EQ(UnmatchedSlot("GET"), UnmatchedSlot("GET"));
  EXPECT_EQ(UnmatchedSlot("BREW"), UnmatchedSlot("PROPFIND"));  // "other"
  ObserveRequest(UnmatchedSlot("BREW"), 404, 10);
  const std::string text = RenderPrometheus();
  EXPECT_GE(
      Sample(text, R"(cfiam_http_requests_total{route="unmatched",method="other",status="404"})"),
      1);
}

TEST(Metrics, AuthOutcomesHaveFixedLabels) {
  const std::string before = RenderPrometheus();
  const double ceiling = Sample(before, R"(cfiam_auth_outcomes_total{outcome="ceiling_refused"})");
  const double limited = Sample(before, R"(cfiam_auth_outcomes_total{outcome="rate_limited"})");
  ASSERT_GE(ceiling, 0);
  ASSERT_GE(limited, 0);
  CountAuthz(Outcome::kCeilingRefused);
  CountAuthz(Outcome::kRateLimited);
  CountAuthz(Outcome::kRateLimited);
  const std::string after = RenderPrometheus();
  EXPECT_EQ(Sample(after, R"(cfiam_auth_outcomes_total{outcome="ceiling_refused"})"), ceiling + 1);
  EXPECT_EQ(Sample(after, R"(cfiam_auth_outcomes_total{outcome="rate_limited"})"), limited + 2);
  EXPECT_EQ(OutcomeLabel(Outcome::kIpRefused), "ip_refused");
  EXPECT_EQ(OutcomeLabel(Outcome::kMissingPermission), "missing_permission");
}

TEST(Metrics, CommitsAuditEntriesAndGauges) {
  const double commits = Sample(RenderPrometheus(), "cfiam_store_commit_batch_size_count");
  ObserveCommit(1500, 3);
  CountAuditEntries(2);
  SetGauge("cfiam_test_gauge", "A test gauge.", [] { return 42.0; });
  std::string text = RenderPrometheus();
  EXPECT_EQ(Sample(text, "cfiam_store_commit_batch_size_count"), commits + 1);
  EXPECT_GE(Sample(text, R"(cfiam_store_commit_batch_size_bucket{le="4"})"), 1);
  EXPECT_GE(Sample(text, "cfiam_audit_entries_written_total"), 2);
  EXPECT_EQ(Sample(text, "cfiam_test_gauge"), 42);
  EXPECT_NE(text.find("# TYPE cfiam_test_gauge gauge\n"), std::string::npos);
  SetGauge("cfiam_test_gauge", "", {});
  EXPECT_EQ(RenderPrometheus().find("cfiam_test_gauge"), std::string::npos);
}

// A batch's changes share one catch-up: each counts, with the catch-up's time.
TEST(Metrics, OneCatchUpCountsEveryChangeItApplies) {
  const std::string before = RenderPrometheus();
  const double n = Sample(before, "cfiam_change_apply_duration_seconds_count");
  const double sum = Sample(before, "cfiam_change_apply_duration_seconds_sum");
  ObserveApply(300, 5);
  ObserveApply(100);
  const std::string text = RenderPrometheus();
  EXPECT_EQ(Sample(text, "cfiam_change_apply_duration_seconds_count"), n + 6);
  EXPECT_NEAR(Sample(text, "cfiam_change_apply_duration_seconds_sum"), sum + 0.0016, 1e-9);
}

}  // namespace
}  // namespace cfiam::obs::metrics
