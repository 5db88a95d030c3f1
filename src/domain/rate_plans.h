// RatePlans: the rate-plan table (catalog/rate_plans.json) as typed values,
// and the pricing rules subscriptions apply to it. Immutable after
// construction, so safe to share across threads.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/clock.h"

namespace cfiam {

struct RatePlan {
  std::string id;
  std::string public_name;
  std::string scope;
  std::string currency;
  bool externally_managed = false;
  bool is_contract = false;
  // List prices from the table; nullopt where the table has none.
  std::optional<double> weekly, monthly, quarterly, yearly;
};

class RatePlans {
 public:
  // Throws std::runtime_error when `table` is not the expected array of plans.
  explicit RatePlans(const boost::json::value& table);

  const RatePlan* Find(std::string_view id) const;
  const std::vector<RatePlan>& all() const { return plans_; }

  // Whether the plan has a public list price at all (else it is billed at 0).
  static bool HasPublicPrice(const RatePlan& plan) { return plan.monthly || plan.yearly; }
  // The price of one `frequency` period in the plan's currency, rounded to
  // cents. Weekly and quarterly derive from the monthly list price where the
  // table has none (monthly x 12 / 52, monthly x 3), yearly from monthly x 12.
  // Plans without a public price cost 0. REQUIRES: IsFrequency(frequency).
  static double Price(const RatePlan& plan, std::string_view frequency);

 private:
  std::vector<RatePlan> plans_;
};

bool IsFrequency(std::string_view frequency);
// The end of the billing period that starts at `start`: +7 days, or +1, +3
// or +12 calendar months. REQUIRES: IsFrequency(frequency).
Micros PeriodEnd(Micros start, std::string_view frequency);

}  // namespace cfiam
