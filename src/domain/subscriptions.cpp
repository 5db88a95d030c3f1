#include "domain/subscriptions.h"

#include "util/failure.h"
#include "util/random.h"

namespace cfiam {

void SubscriptionService::Reprice(Subscription& sub, const RatePlan& plan, Micros now) const {
  sub.rate_plan_id = plan.id;
  sub.price = RatePlans::Price(plan, sub.frequency);
  sub.currency = plan.currency;
  // Something is owed only for a positive price; free and unpriced (contract,
  // partner) plans are simply provisioned.
  sub.state = sub.price > 0 ? "Paid" : "Provisioned";
  sub.current_period_start = now;
  sub.current_period_end = PeriodEnd(now, sub.frequency);
}

Subscription SubscriptionService::Create(store::UnitOfWork& unit, const std::string& account_id,
                                         const RatePlan& plan, const std::string& frequency) {
  Subscription sub;
  sub.id = NewId();
  sub.account_id = account_id;
  sub.frequency = frequency;
  sub.created_on = NowMicros();
  Reprice(sub, plan, sub.created_on);
  store::Tx& tx = unit.tx();
  store_.InsertSubscription(tx, sub);
  return sub;
}

std::vector<Subscription> SubscriptionService::List(store::Tx& tx, const std::string& account_id) {
  return store_.ListLiveSubscriptions(tx, account_id);
}

Subscription SubscriptionService::Get(store::Tx& tx, const std::string& account_id,
                                      const std::string& id) {
  auto sub = store_.GetLiveSubscription(tx, account_id, id);
  if (!sub) throw Failure::NotFound("Subscription");
  return *sub;
}

Subscription SubscriptionService::Update(store::UnitOfWork& unit, const std::string& account_id,
                                         const std::string& id, const RatePlan* plan,
                                         const std::optional<std::string>& frequency) {
  store::Tx& tx = unit.tx();
  auto sub = store_.GetLiveSubscription(tx, account_id, id);
  if (!sub) throw Failure::NotFound("Subscription");
  if (!plan) plan = plans_.Find(sub->rate_plan_id);
  // A stored plan id always comes from the table, but a table that dropped it
  // must not crash the request.
  if (!plan) throw Failure::Invalid("rate_plan.id", "the current rate plan no longer exists");
  if (frequency) sub->frequency = *frequency;
  Reprice(*sub, *plan, NowMicros());
  store_.UpdateSubscription(tx, *sub);
  return *sub;
}

void SubscriptionService::Cancel(store::UnitOfWork& unit, const std::string& account_id,
                                 const std::string& id) {
  store::Tx& tx = unit.tx();
  auto sub = store_.GetLiveSubscription(tx, account_id, id);
  if (!sub) throw Failure::NotFound("Subscription");
  sub->state = "Cancelled";
  sub->current_period_end = NowMicros();
  store_.UpdateSubscription(tx, *sub);
}

}  // namespace cfiam
