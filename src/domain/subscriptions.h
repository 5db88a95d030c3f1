// SubscriptionService: an account's billing subscriptions. The server, never
// the client, sets price, currency, state and periods (docs/subscriptions.md).
// Thread-safe: every change runs in one write transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "domain/model.h"
#include "domain/rate_plans.h"
#include "store/store.h"
#include "store/unit_of_work.h"

namespace cfiam {

class SubscriptionService {
 public:
  SubscriptionService(store::Store& store, const RatePlans& plans) : store_(store), plans_(plans) {}

  // REQUIRES: the account exists, `plan` is from the table, IsFrequency(frequency).
  Subscription Create(store::UnitOfWork& unit, const std::string& account_id, const RatePlan& plan,
                      const std::string& frequency);
  // Live (not cancelled) subscriptions, oldest first.
  std::vector<Subscription> List(store::Tx& tx, const std::string& account_id);
  // Throws 404 for an unknown or cancelled subscription.
  Subscription Get(store::Tx& tx, const std::string& account_id, const std::string& id);
  // Changes plan and/or frequency; price and period are recomputed from now.
  // Throws 404 for an unknown or cancelled subscription.
  Subscription Update(store::UnitOfWork& unit, const std::string& account_id, const std::string& id,
                      const RatePlan* plan, const std::optional<std::string>& frequency);
  // Moves the subscription to Cancelled (kept as history). Throws 404 as above.
  void Cancel(store::UnitOfWork& unit, const std::string& account_id, const std::string& id);

 private:
  // Sets price, currency, state and a new period starting `now`.
  void Reprice(Subscription& sub, const RatePlan& plan, Micros now) const;

  store::Store& store_;
  const RatePlans& plans_;
};

}  // namespace cfiam
