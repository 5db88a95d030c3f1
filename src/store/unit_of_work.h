// UnitOfWork: one API request's write transaction. While it is open on a
// thread, every Store::Read()/Write() on that thread borrows it, so a
// service's change and the audit entry the dispatcher adds afterwards commit
// together or not at all. A borrowed transaction's Commit() only marks the
// service's part as finished; the unit's owner commits for real.
//
// Services update the in-memory mirrors (auth::Directory) after their
// borrowed commit, i.e. while the unit still holds the writer lock, so the
// mirrors apply changes in commit order. If the unit then rolls back, those
// mirror updates describe a change that never happened; `changed()` tells
// the owner to reload the mirrors.
#pragma once

#include <memory>

#include "store/db.h"

namespace cfiam::store {

class Store;

class UnitOfWork {
 public:
  // Begins a write transaction and makes it this thread's current unit.
  explicit UnitOfWork(Store& store);
  // Rolls back unless committed, and restores the thread's previous unit.
  ~UnitOfWork();
  UnitOfWork(const UnitOfWork&) = delete;
  UnitOfWork& operator=(const UnitOfWork&) = delete;

  Tx& tx() { return *tx_; }
  const Store& store() const { return store_; }
  // Durably commits (returns once the change is on disk).
  void Commit();
  // Whether some service finished a change in this unit (and may have
  // updated in-memory mirrors accordingly).
  bool changed() const { return changed_; }

  // The unit open on this thread, or nullptr. Only its own store borrows it.
  static UnitOfWork* Current();
  // A transaction handle that forwards to the current unit (REQUIRES: one is open).
  static std::unique_ptr<Tx> Borrow();

 private:
  friend class BorrowedTx;
  Store& store_;
  std::unique_ptr<Tx> tx_;
  UnitOfWork* previous_;
  bool changed_ = false;
};

}  // namespace cfiam::store
