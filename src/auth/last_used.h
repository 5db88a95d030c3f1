// LastUsed: when each token was last used, recorded in memory on every
// authenticated request and persisted in batches (not a disk write per
// request). A crash may lose the last flush interval of it, nothing else.
//
// Only uses recent enough that the store may not show them yet are held:
// those since the last flush (pending) and the batch the last flush wrote (in
// flight, kept until the next flush). Older ones are in the store, and
// readers combine the two (TokenService::LastUsedOn). So memory follows the
// tokens used in two flush intervals, not every token ever used (at a million
// tokens in random use, a map of every one seen grew by two allocations per
// request, without bound). Keys are the ids' 16 bytes (auth/keys.h): a use
// hashes no string and allocates no key.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "auth/keys.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::auth {

class LastUsed {
 public:
  void Touch(std::string_view token_id, Micros when);
  // The newest use held (pending, or written by the last flush).
  std::optional<Micros> Get(std::string_view token_id) const;
  // Writes pending uses to the store in one transaction. Returns how many.
  std::size_t Flush(store::Store& store);
  void Forget(std::string_view token_id);

 private:
  using Map = std::unordered_map<IdKey, Micros, KeyHash>;

  mutable std::mutex mu_;
  Map pending_;
  Map in_flight_;  // the batch the last Flush wrote (or is writing)
};

}  // namespace cfiam::auth
