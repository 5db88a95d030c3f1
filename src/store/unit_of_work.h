// UnitOfWork: one change's write transaction, begun and committed by its
// owner (the dispatcher, for an API request) and handed to the services
// explicitly. Everything the change writes, its change-log entries and its
// audit entry go into this one transaction, so they commit (or roll back)
// together. What may happen only once the change is durable (starting a DNS
// check, advancing the in-memory authorization state) runs after Commit():
// services register it with AfterCommit; nothing outside the transaction
// changes before then, so a unit that fails leaves nothing to undo.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <vector>

#include "store/db.h"

namespace cfiam::store {

class Store;

class UnitOfWork {
 public:
  // Begins the write transaction (which holds the store's writer). With an
  // account id, the change waits for the account's other changes (on every
  // node) instead of racing them (Db::BeginWrite).
  explicit UnitOfWork(Store& store, std::string_view account_id = {});
  // Rolls back unless committed; hooks of an uncommitted unit never run.
  ~UnitOfWork() = default;
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;

  Tx& tx() { return *tx_; }
  // Runs `hook` after a successful Commit(), in registration order.
  void AfterCommit(std::function<void()> hook) { hooks_.push_back(std::move(hook)); }
  // Durably commits (returns once the change is on disk), then runs the hooks.
  // Within a WriteBatch on this thread it only releases the change into the
  // batch: the batch's Commit() makes it durable and then runs the hooks.
  void Commit();

 private:
  std::unique_ptr<Tx> tx_;
  std::vector<std::function<void()>> hooks_;
};

// WriteBatch: the units of work one thread commits while it lives go into
// one group-committed batch without the thread ever waiting for the disk in
// between; Commit() makes them all durable with one fsync, then runs their
// after-commit hooks in commit order. Nothing a unit committed meanwhile may
// be acknowledged before. Where the engine commits each transaction on its
// own (PostgreSQL), units commit durably as usual and Commit() has nothing
// left to do. One per thread at a time.
class WriteBatch {
 public:
  explicit WriteBatch(Store& store);
  // Commits what is still held; a failure is lost (call Commit() to see it).
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  // True while this thread's units are held (the engine holds batches).
  static bool Holding();
  // Throws DbError when the batch was lost: then none of the units committed
  // since the last Commit() is durable, and none of their hooks runs.
  void Commit();

 private:
  friend class UnitOfWork;
  std::unique_ptr<HeldCommits> held_;
  std::vector<std::function<void()>> hooks_;  // of the units held so far
};

}  // namespace cfiam::store
