// LastUsed: when each token was last used, recorded in memory on every
// authenticated request and persisted in batches (not a disk write per
// request). A crash may lose the last flush interval of it, nothing else.
//
// Thread-safety: all methods may be called concurrently.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"
#include "util/clock.h"

namespace cfiam::auth {

class LastUsed {
 public:
  void Touch(std::string_view token_id, Micros when);
  // The newest use seen in memory since start (flushed or not).
  std::optional<Micros> Get(std::string_view token_id) const;
  // Writes pending uses to the store in one transaction. Returns how many.
  std::size_t Flush(store::Store& store);
  void Forget(std::string_view token_id);

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Map = std::unordered_map<std::string, Micros, Hash, std::equal_to<>>;

  mutable std::mutex mu_;
  Map seen_;
  Map pending_;
};

}  // namespace cfiam::auth
