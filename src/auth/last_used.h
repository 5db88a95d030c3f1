// LastUsed: when each token was last used, recorded in memory on every
// authenticated request and persisted in batches (not a disk write per
// request).
//
// The store is written at most once per `rewrite_after` (a minute by default)
// per token: a token's first use is written at the next pass (every 2 s), a
// later one only once the stored value is that old. So what the flush writes
// follows the number of tokens in use, not the request rate: at a million
// tokens in random use, writing every used token every pass cost more CPU
// than answering the requests (issue 11's verify_ratio). This node answers
// exactly (readers combine the store with Get, TokenService::LastUsedOn);
// the store, and so other nodes, may be up to that long behind, and a crash
// may lose that much of it. A graceful stop writes everything.
//
// Memory: an entry per token used within twice `rewrite_after`, in flat
// tables (auth/id_table.h): a use parses no text, allocates nothing, and at
// a million tokens costs one cache miss rather than a bucket and a node.
//
// Thread-safety: all methods may be called concurrently. Touch, on every
// request, takes only a small lock around the uses since the last pass; a
// pass works on the held entries under a lock of their own.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string_view>
#include "auth/id_table.h"
#include "auth/keys.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::auth {

class LastUsed {
 public:
  static constexpr Micros kDefaultRewriteAfter = 60'000'000;

  explicit LastUsed(Micros rewrite_after = kDefaultRewriteAfter) : rewrite_after_(rewrite_after) {}

  void Touch(const IdKey& token, Micros when);
  void Touch(std::string_view token_id, Micros when);
  // The newest use this node holds (which may not be in the store yet).
  std::optional<Micros> Get(std::string_view token_id) const;
  // One pass at `now`: writes, in one transaction ordered by token id, the
  // uses the store lacks and is due to get: a token's first, or a newer one
  // once the stored one is `rewrite_after` old; with `all`, every use the
  // store lacks (at shutdown). Drops entries written long enough ago.
  // Returns how many tokens it wrote.
  std::size_t Flush(store::Store& store, Micros now, bool all = false);
  std::size_t Flush(store::Store& store) { return Flush(store, NowMicros()); }
  void Forget(std::string_view token_id);
  // Entries held (for tests of the memory bound).
  std::size_t held() const;

 private:
  struct Entry {
    Micros newest = 0;   // the newest use seen
    Micros written = 0;  // the newest use this node has written (0: none)
  };
  using Pending = IdTable<Micros>;
  using Held = IdTable<Entry>;

  const Micros rewrite_after_;
  std::mutex flush_mu_;  // one pass at a time
  Pending spare_;        // the next pass's pending table; guarded by flush_mu_
  // Lock order: held_mu_ before mu_ (Flush); the others take one at a time.
  mutable std::mutex mu_;
  Pending pending_;  // uses since the last pass; guarded by mu_
  mutable std::mutex held_mu_;
  Held held_;  // guarded by held_mu_
};

}  // namespace cfiam::auth
