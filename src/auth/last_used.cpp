#include "auth/last_used.h"

#include <vector>

namespace cfiam::auth {

void LastUsed::Touch(std::string_view token_id, Micros when) {
  std::lock_guard lock(mu_);
  // Every authenticated request lands here: look up without allocating.
  if (auto it = seen_.find(token_id); it != seen_.end()) {
    if (it->second >= when) return;
    it->second = when;
    if (auto p = pending_.find(token_id); p != pending_.end()) {
      p->second = when;
    } else {
      pending_.emplace(it->first, when);
    }
    return;
  }
  seen_.emplace(std::string(token_id), when);
  pending_.emplace(std::string(token_id), when);
}

std::optional<Micros> LastUsed::Get(std::string_view token_id) const {
  std::lock_guard lock(mu_);
  auto it = seen_.find(token_id);
  if (it == seen_.end()) return std::nullopt;
  return it->second;
}

void LastUsed::Forget(std::string_view token_id) {
  std::lock_guard lock(mu_);
  if (auto it = seen_.find(token_id); it != seen_.end()) seen_.erase(it);
  if (auto it = pending_.find(token_id); it != pending_.end()) pending_.erase(it);
}

std::size_t LastUsed::Flush(store::Store& store) {
  Map batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return 0;
  std::vector<std::pair<std::string, Micros>> uses(batch.begin(), batch.end());
  store.WriteRetrying([&](store::Tx& tx) { store.SetTokensLastUsed(tx, uses); });
  return batch.size();
}

}  // namespace cfiam::auth
