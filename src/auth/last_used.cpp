#include "auth/last_used.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace cfiam::auth {

void LastUsed::Touch(const IdKey& token, Micros when) {
  std::lock_guard lock(mu_);
  // Every authenticated request lands here: a token used again within the
  // pass updates its entry in place.
  Micros& newest = *pending_.Emplace(token).first;
  if (newest < when) newest = when;
}

void LastUsed::Touch(std::string_view token_id, Micros when) {
  // A token id of another shape is in no snapshot, so it cannot be used.
  if (const std::optional<IdKey> key = IdKey::From(token_id)) Touch(*key, when);
}

std::optional<Micros> LastUsed::Get(std::string_view token_id) const {
  const std::optional<IdKey> key = IdKey::From(token_id);
  if (!key) return std::nullopt;
  std::optional<Micros> newest;
  // Pending first, then held: a pass moves a use from one to the other while
  // holding held_mu_, so a use missed in pending_ is found in held_.
  {
    std::lock_guard lock(mu_);
    if (const Micros* when = pending_.Find(*key)) newest = *when;
  }
  std::lock_guard lock(held_mu_);
  if (const Entry* e = held_.Find(*key); e && (!newest || *newest < e->newest)) {
    newest = e->newest;
  }
  return newest;
}

void LastUsed::Forget(std::string_view token_id) {
  const std::optional<IdKey> key = IdKey::From(token_id);
  if (!key) return;
  {
    std::lock_guard lock(mu_);
    pending_.Erase(*key);
  }
  // A pass that took the use out of pending_ holds held_mu_ until it is in
  // held_, so it is erased here either way.
  std::lock_guard lock(held_mu_);
  held_.Erase(*key);
}

std::size_t LastUsed::held() const {
  std::lock_guard lock(held_mu_);
  return held_.size();
}

std::size_t LastUsed::Flush(store::Store& store, Micros now, bool all) {
  std::lock_guard pass(flush_mu_);
  std::vector<std::pair<IdKey, Micros>> due;
  {
    std::lock_guard held_lock(held_mu_);
    // Sized (outside the request path's lock) for the tokens used lately: at
    // a million tokens in random use, regrowing from empty every pass
    // rehashed under that lock, on the request path.
    Pending uses;
    spare_.Reset(held_.size());
    {
      std::lock_guard lock(mu_);
      uses.swap(pending_);
      pending_.swap(spare_);
    }
    uses.ForEach([&](const IdKey& key, Micros when) {
      Entry& e = *held_.Emplace(key).first;
      e.newest = std::max(e.newest, when);
    });
    uses.swap(spare_);  // its memory serves the next pass
    held_.EraseIf([&](const IdKey& key, Entry& e) {
      if (e.newest > e.written) {
        if (all || e.written == 0 || now - e.written >= rewrite_after_) {
          due.emplace_back(key, e.newest);
        }
        return false;
      }
      // Long in the store, and unused since: a reader that read the store
      // before the write committed has long since asked here too.
      return now - e.written >= 2 * rewrite_after_;
    });
  }
  if (due.empty()) return 0;
  std::vector<std::pair<std::string, Micros>> rows;
  rows.reserve(due.size());
  for (const auto& [key, when] : due) rows.emplace_back(ToText(key).str(), when);
  // In id order: the statement then walks the token indexes front to back
  // (a page read serves its neighbours) instead of hopping at random.
  std::sort(rows.begin(), rows.end());
  store.WriteRetrying([&](store::Tx& tx) { store.SetTokensLastUsed(tx, rows); });
  std::lock_guard held_lock(held_mu_);
  for (const auto& [key, when] : due) {
    // Forgotten (deleted) meanwhile: stays gone.
    if (Entry* e = held_.Find(key)) e->written = std::max(e->written, when);
  }
  return due.size();
}

}  // namespace cfiam::auth
