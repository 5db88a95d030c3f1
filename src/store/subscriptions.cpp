#include "store/store.h"
#include "util/cents.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kColumns =
    "id, account_id, rate_plan_id, frequency, price_cents, currency, state, "
    "current_period_start, current_period_end, created_on";

// Prices are stored as whole cents so money never rounds in the database.
Subscription ReadSubscription(const Row& r) {
  Subscription s;
  s.id = r.Str(0);
  s.account_id = r.Str(1);
  s.rate_plan_id = r.Str(2);
  s.frequency = r.Str(3);
  s.price = static_cast<double>(r.Int(4)) / 100;
  s.currency = r.Str(5);
  s.state = r.Str(6);
  s.current_period_start = r.Int(7);
  s.current_period_end = r.Int(8);
  s.created_on = r.Int(9);
  return s;
}

}  // namespace

void Store::InsertSubscription(Tx& tx, const Subscription& s) {
  tx.Exec("INSERT INTO subscriptions (" + std::string(kColumns) +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {s.id, s.account_id, s.rate_plan_id, s.frequency, ToCents(s.price), s.currency, s.state,
           s.current_period_start, s.current_period_end, s.created_on});
}

std::optional<Subscription> Store::GetLiveSubscription(Tx& tx, std::string_view account_id,
                                                       std::string_view id) {
  auto rows = tx.Query("SELECT " + std::string(kColumns) +
                           " FROM subscriptions WHERE account_id = ? AND id = ? AND state <> "
                           "'Cancelled'",
                       {std::string(account_id), std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadSubscription(rows.front());
}

std::vector<Subscription> Store::ListLiveSubscriptions(Tx& tx, std::string_view account_id) {
  std::vector<Subscription> out;
  for (const Row& r : tx.Query("SELECT " + std::string(kColumns) +
                                   " FROM subscriptions WHERE account_id = ? AND state <> "
                                   "'Cancelled' ORDER BY created_on, id",
                               {std::string(account_id)})) {
    out.push_back(ReadSubscription(r));
  }
  return out;
}

void Store::UpdateSubscription(Tx& tx, const Subscription& s) {
  tx.Exec(
      "UPDATE subscriptions SET rate_plan_id = ?, frequency = ?, price_cents = ?, currency = ?, "
      "state = ?, current_period_start = ?, current_period_end = ? WHERE id = ?",
      {s.rate_plan_id, s.frequency, ToCents(s.price), s.currency, s.state, s.current_period_start,
       s.current_period_end, s.id});
}

}  // namespace cfiam::store
