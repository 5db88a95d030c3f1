// /accounts/{account_id}/subscriptions[/{subscription_identifier}]: billing
// subscriptions priced from the rate-plan table.
#include <boost/json.hpp>
#include <cmath>

#include "api/input.h"
#include "api/pagination.h"
#include "api/route.h"
#include "api/services.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace json = boost::json;
using boost::beast::http::verb;

namespace {

// Whole amounts render as integers (25, not 2.5E1); others as numbers.
json::value Money(double amount) {
  if (amount == std::floor(amount)) return static_cast<std::int64_t>(amount);
  return amount;
}

json::object RenderRatePlan(const RatePlan& p) {
  return {{"id", p.id},
          {"public_name", p.public_name},
          {"currency", p.currency},
          {"scope", p.scope},
          {"externally_managed", p.externally_managed},
          {"is_contract", p.is_contract},
          {"sets", json::array{}},
          // False for plans without a public list price: they are billed at 0.
          {"has_public_price", RatePlans::HasPublicPrice(p)}};
}

json::object RenderSubscription(const Subscription& s, const RatePlans& plans) {
  json::object o{{"id", s.id}};
  if (const RatePlan* p = plans.Find(s.rate_plan_id)) {
    o["rate_plan"] = RenderRatePlan(*p);
  } else {
    o["rate_plan"] = json::object{{"id", s.rate_plan_id}};
  }
  o["frequency"] = s.frequency;
  o["price"] = Money(s.price);
  o["currency"] = s.currency;
  o["state"] = s.state;
  o["current_period_start"] = FormatRfc3339(s.current_period_start);
  o["current_period_end"] = FormatRfc3339(s.current_period_end);
  o["component_values"] = json::array{};
  return o;
}

// The plan named by rate_plan.id; its other fields (public_name, currency,
// ...) describe the plan and come from the table, so they are ignored.
const RatePlan* ReadPlan(const ObjectReader& body, const RatePlans& plans, bool required) {
  auto rate_plan = body.Object("rate_plan");
  if (!rate_plan) {
    if (required) throw ApiError::Invalid("rate_plan", "is required");
    return nullptr;
  }
  const std::string id = rate_plan->RequiredString("id", 64);
  const RatePlan* plan = plans.Find(id);
  if (!plan) {
    std::string known;
    for (const RatePlan& p : plans.all()) known += (known.empty() ? "" : ", ") + p.id;
    throw ApiError::Invalid("rate_plan.id", "must be one of " + known);
  }
  return plan;
}

std::optional<std::string> ReadFrequency(const ObjectReader& body) {
  return body.Enum("frequency", {"weekly", "monthly", "quarterly", "yearly"});
}

// price, currency, state and the periods are read-only: the server computes
// them, so whatever a client sends for them is ignored (clients that send a
// whole object back keep working).
Reply Create(Context& ctx) {
  ObjectReader body(ctx.body);
  const RatePlans& plans = ctx.services.rate_plans;
  const RatePlan* plan = ReadPlan(body, plans, true);
  const std::string frequency = ReadFrequency(body).value_or("monthly");
  Subscription sub =
      ctx.services.subscriptions.Create(ctx.unit(), ctx.Param("account_id"), *plan, frequency);
  return {RenderSubscription(sub, plans), {}, {}};
}

Reply List(Context& ctx) {
  json::array items;
  for (const Subscription& s : ctx.services.subscriptions.List(ctx.tx(), ctx.Param("account_id"))) {
    items.push_back(RenderSubscription(s, ctx.services.rate_plans));
  }
  const std::size_t count = items.size();
  return {std::move(items), SinglePageInfo(count), {}};
}

// Not in the reduced spec, but the SDK has it (getByIdentifier) and it costs
// nothing: one live subscription, 404 once cancelled.
Reply Get(Context& ctx) {
  Subscription sub = ctx.services.subscriptions.Get(ctx.tx(), ctx.Param("account_id"),
                                                    ctx.Param("subscription_identifier"));
  return {RenderSubscription(sub, ctx.services.rate_plans), {}, {}};
}

Reply Update(Context& ctx) {
  ObjectReader body(ctx.body);
  const RatePlans& plans = ctx.services.rate_plans;
  const RatePlan* plan = ReadPlan(body, plans, false);
  const auto frequency = ReadFrequency(body);
  if (!plan && !frequency) {
    throw ApiError::Invalid("rate_plan", "give rate_plan and/or frequency to change");
  }
  Subscription sub = ctx.services.subscriptions.Update(
      ctx.unit(), ctx.Param("account_id"), ctx.Param("subscription_identifier"), plan, frequency);
  return {RenderSubscription(sub, plans), {}, {}};
}

Reply Delete(Context& ctx) {
  const std::string& id = ctx.Param("subscription_identifier");
  ctx.services.subscriptions.Cancel(ctx.unit(), ctx.Param("account_id"), id);
  return {json::object{{"subscription_id", id}}, {}, {}};
}

}  // namespace

void AddSubscriptionRoutes(std::vector<Route>& r) {
  constexpr std::string_view kOne =
      "/accounts/{account_id}/subscriptions/{subscription_identifier}";
  r.push_back({verb::get, "/accounts/{account_id}/subscriptions", List, Access::kAccount,
               "#billing:read", ""});
  r.push_back({verb::post, "/accounts/{account_id}/subscriptions", Create, Access::kAccount,
               "#billing:edit", "Create Subscription"});
  r.push_back({verb::get, kOne, Get, Access::kAccount, "#billing:read", ""});
  r.push_back({verb::put, kOne, Update, Access::kAccount, "#billing:edit", "Update Subscription"});
  r.push_back(
      {verb::delete_, kOne, Delete, Access::kAccount, "#billing:edit", "Delete Subscription"});
}

}  // namespace cfiam::api
