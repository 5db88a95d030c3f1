// ChangeFeed: the only way the in-memory authorization state (Directory)
// moves after start-up. Every committed change appended (seq, kind, ids) to
// the store's change log in its own transaction (store/change_log.h); the
// feed applies the entries after its position, in seq order, by re-reading
// each named entity in one read transaction (absent = erased).
//
// Who calls CatchUp: the dispatcher, right after a change commits and before
// its response is sent (so an acknowledged revocation already holds), and a
// poller for changes other processes made (`cfiam admin api-key`; other
// nodes). A change that failed wrote no entry, so it touches nothing here.
//
// Thread-safety: CatchUp serializes on an internal mutex, so entries apply
// in seq order; applied() is lock-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "store/store.h"

namespace cfiam::auth {

class ChangeFeed {
 public:
  ChangeFeed(store::Store& store, Directory& directory, const Catalog& catalog)
      : store_(store), directory_(directory), catalog_(catalog) {}

  // Start-up: loads the whole state and takes the log's position as its own.
  void Load();
  // Applies every committed entry after applied(); returns the new position.
  std::int64_t CatchUp();
  // The newest entry this process reflects ("apply everything after seq N"
  // resumes here).
  std::int64_t applied() const { return applied_.load(std::memory_order_acquire); }
  // Deletes entries more than `keep` behind applied(), at most `limit`;
  // returns how many.
  std::int64_t Prune(std::int64_t keep, std::int64_t limit);

  // Told of each token an applied entry erased (e.g. to drop its unflushed
  // last use). Set before serving.
  std::function<void(const std::string& token_id)> on_token_erased;

 private:
  void Apply(store::Tx& tx, const store::Change& change);

  store::Store& store_;
  Directory& directory_;
  const Catalog& catalog_;
  std::mutex mu_;  // one applier at a time: seq order
  std::atomic<std::int64_t> applied_{0};
  std::atomic<std::int64_t> pruned_upto_{0};  // entries up to here are gone
};

}  // namespace cfiam::auth
