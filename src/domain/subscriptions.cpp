#include "domain/subscriptions.h"

#include "util/api_error.h"
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

Subscription SubscriptionService::Create(const std::string& account_id, const RatePlan& plan,
                                         const std::string& frequency) {
  Subscription sub;
  sub.id = NewId();
  sub.account_id = account_id;
  sub.frequency = frequency;
  sub.created_on = NowMicros();
  Reprice(sub, plan, sub.created_on);
  auto tx = store_.Write();
  store_.InsertSubscription(*tx, sub);
  tx->Commit();
  return sub;
}

std::vector<Subscription> SubscriptionService::List(const std::string& account_id) {
  auto tx = store_.Read();
  return store_.ListLiveSubscriptions(*tx, account_id);
}

Subscription SubscriptionService::Get(const std::string& account_id, const std::string& id) {
  auto tx = store_.Read();
  auto sub = store_.GetLiveSubscription(*tx, account_id, id);
  if (!sub) throw ApiError::NotFound("Subscription");
  return *sub;
}

Subscription SubscriptionService::Update(const std::string& account_id, const std::string& id,
                                         const RatePlan* plan,
                                         const std::optional<std::string>& frequency) {
  auto tx = store_.Write();
  auto sub = store_.GetLiveSubscription(*tx, account_id, id);
  if (!sub) throw ApiError::NotFound("Subscription");
  if (!plan) plan = plans_.Find(sub->rate_plan_id);
  // A stored plan id always comes from the table, but a table that dropped it
  // must not crash the request.
  if (!plan) throw ApiError::Invalid("rate_plan.id", "the current rate plan no longer exists");
  if (frequency) sub->frequency = *frequency;
  Reprice(*sub, *plan, NowMicros());
  store_.UpdateSubscription(*tx, *sub);
  tx->Commit();
  return *sub;
}

void SubscriptionService::Cancel(const std::string& account_id, const std::string& id) {
  auto tx = store_.Write();
  auto sub = store_.GetLiveSubscription(*tx, account_id, id);
  if (!sub) throw ApiError::NotFound("Subscription");
  sub->state = "Cancelled";
  sub->current_period_end = NowMicros();
  store_.UpdateSubscription(*tx, *sub);
  tx->Commit();
}

}  // namespace cfiam
