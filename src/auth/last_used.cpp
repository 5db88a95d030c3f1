#include "auth/last_used.h"

#include <string>
#include <utility>
#include <vector>

namespace cfiam::auth {

void LastUsed::Touch(std::string_view token_id, Micros when) {
  // A token id of another shape is in no snapshot, so it cannot be used.
  const std::optional<IdKey> key = IdKey::From(token_id);
  if (!key) return;
  std::lock_guard lock(mu_);
  // Every authenticated request lands here: a token used again within the
  // interval updates its entry in place.
  auto [it, added] = pending_.try_emplace(*key, when);
  if (!added && it->second < when) it->second = when;
}

std::optional<Micros> LastUsed::Get(std::string_view token_id) const {
  const std::optional<IdKey> key = IdKey::From(token_id);
  if (!key) return std::nullopt;
  std::lock_guard lock(mu_);
  std::optional<Micros> newest;
  for (const Map* m : {&pending_, &in_flight_}) {
    if (auto it = m->find(*key); it != m->end() && (!newest || *newest < it->second)) {
      newest = it->second;
    }
  }
  return newest;
}

void LastUsed::Forget(std::string_view token_id) {
  const std::optional<IdKey> key = IdKey::From(token_id);
  if (!key) return;
  std::lock_guard lock(mu_);
  pending_.erase(*key);
  in_flight_.erase(*key);
}

std::size_t LastUsed::Flush(store::Store& store) {
  std::vector<std::pair<std::string, Micros>> uses;
  {
    std::lock_guard lock(mu_);
    // The previous batch stays readable until now, an interval after it was
    // written: a request that read the store just before that write committed
    // and asks here just after still finds it, so no answer ever shows a use
    // older than one given before.
    in_flight_.clear();
    in_flight_.swap(pending_);
    uses.reserve(in_flight_.size());
    for (const auto& [id, when] : in_flight_) uses.emplace_back(ToText(id).str(), when);
  }
  if (uses.empty()) return 0;
  store.WriteRetrying([&](store::Tx& tx) { store.SetTokensLastUsed(tx, uses); });
  return uses.size();
}

}  // namespace cfiam::auth
