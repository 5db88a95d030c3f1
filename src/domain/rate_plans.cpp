#include "domain/rate_plans.h"

#include <boost/json.hpp>
#include <cmath>
#include <stdexcept>

#include "util/cents.h"

namespace cfiam {
namespace json = boost::json;
namespace {

std::optional<double> OptPrice(const json::object& price, std::string_view key) {
  const json::value* v = price.if_contains(key);
  if (!v || v->is_null()) return std::nullopt;
  return v->to_number<double>();
}

}  // namespace

RatePlans::RatePlans(const json::value& table) {
  if (!table.is_array()) throw std::runtime_error("rate_plans.json: expected an array");
  for (const json::value& v : table.as_array()) {
    const json::object& o = v.as_object();
    RatePlan p;
    p.id = json::value_to<std::string>(o.at("id"));
    p.public_name = json::value_to<std::string>(o.at("public_name"));
    p.scope = json::value_to<std::string>(o.at("scope"));
    p.currency = json::value_to<std::string>(o.at("currency"));
    p.externally_managed = o.at("externally_managed").as_bool();
    p.is_contract = o.at("is_contract").as_bool();
    const json::object& price = o.at("price").as_object();
    p.weekly = OptPrice(price, "weekly");
    p.monthly = OptPrice(price, "monthly");
    p.quarterly = OptPrice(price, "quarterly");
    p.yearly = OptPrice(price, "yearly");
    plans_.push_back(std::move(p));
  }
}

const RatePlan* RatePlans::Find(std::string_view id) const {
  for (const RatePlan& p : plans_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

double RatePlans::Price(const RatePlan& plan, std::string_view frequency) {
  if (frequency == "weekly") {
    if (plan.weekly) return *plan.weekly;
    if (plan.monthly) return RoundToCents(*plan.monthly * 12 / 52);
  } else if (frequency == "monthly") {
    if (plan.monthly) return *plan.monthly;
  } else if (frequency == "quarterly") {
    if (plan.quarterly) return *plan.quarterly;
    if (plan.monthly) return RoundToCents(*plan.monthly * 3);
  } else if (frequency == "yearly") {
    if (plan.yearly) return *plan.yearly;
    if (plan.monthly) return RoundToCents(*plan.monthly * 12);
  }
  return 0;
}

bool IsFrequency(std::string_view f) {
  return f == "weekly" || f == "monthly" || f == "quarterly" || f == "yearly";
}

Micros PeriodEnd(Micros start, std::string_view frequency) {
  if (frequency == "weekly") return start + 7LL * 86400 * 1000000;
  if (frequency == "quarterly") return AddMonths(start, 3);
  if (frequency == "yearly") return AddMonths(start, 12);
  return AddMonths(start, 1);
}

}  // namespace cfiam
