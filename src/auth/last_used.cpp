#include "auth/last_used.h"

#include <vector>

namespace cfiam::auth {

void LastUsed::Touch(std::string_view token_id, Micros when) {
  std::lock_guard lock(mu_);
  auto [it, inserted] = seen_.try_emplace(std::string(token_id), when);
  if (!inserted) {
    if (it->second >= when) return;
    it->second = when;
  }
  pending_[it->first] = when;
}

std::optional<Micros> LastUsed::Get(std::string_view token_id) const {
  std::lock_guard lock(mu_);
  auto it = seen_.find(std::string(token_id));
  if (it == seen_.end()) return std::nullopt;
  return it->second;
}

void LastUsed::Forget(std::string_view token_id) {
  std::lock_guard lock(mu_);
  seen_.erase(std::string(token_id));
  pending_.erase(std::string(token_id));
}

std::size_t LastUsed::Flush(store::Store& store) {
  std::unordered_map<std::string, Micros> batch;
  {
    std::lock_guard lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return 0;
  auto tx = store.Write();
  for (const auto& [id, when] : batch) store.SetTokenLastUsed(*tx, id, when);
  tx->Commit();
  return batch.size();
}

}  // namespace cfiam::auth
