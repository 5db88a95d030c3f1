// Leases: named background jobs held by one node of a cluster at a time
// ("audit-retention", "change-log-prune", "sso:<connector id>"), so several
// nodes on one database run each job once. A lease has a holder (a node id)
// and an expiry; the holder renews it while working and releases it when
// done. A lease whose holder died expires and another node may take it.
//
// Expiry is by the database's clock (PostgreSQL's clock_timestamp(), SQLite's
// 'now', which is the one machine's clock all its processes share), in
// microseconds: every contender compares against the same clock, so a node
// whose own clock is off can neither take a live lease nor keep one past its
// term. Only lengths of time (the lease time) come from the node.
//
// On PostgreSQL each call is one short READ COMMITTED transaction of its own,
// and acquisition reads the lease row with FOR UPDATE SKIP LOCKED: a
// contender never waits for another one, it just does not get the lease this
// time. SQLite runs the same logic without the clause (its one writer
// serializes every contender anyway).
//
// Leases make background work efficient, not correct: every job is also safe
// when run twice (deletes are idempotent, a verification outcome is written
// only for its generation), as can happen when a holder stalls past expiry.
//
// Thread-safety: stateless beyond the store; callable from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace cfiam::store {

struct LeaseInfo {
  std::string holder;
  std::int64_t expires_at = 0;  // microseconds, database clock
  std::int64_t now = 0;         // the database clock when read
};

class Leases {
 public:
  explicit Leases(Store& store) : store_(store) {}

  // Takes `name` for `holder` until `ttl` from now when it is free, expired
  // or already held by `holder` (which then renews it). Returns whether
  // `holder` holds it now. Never waits for a contender.
  bool Acquire(std::string_view name, std::string_view holder, std::chrono::milliseconds ttl);
  // Takes `name` for `holder` whoever holds it (waiting for a contender's
  // row lock if need be): for a node that has just superseded the job, e.g.
  // begun a new SSO verification generation.
  void Take(std::string_view name, std::string_view holder, std::chrono::milliseconds ttl);
  // Extends `holder`'s lease to `ttl` from now. False when `holder` does not
  // hold it any more (another node took it after it expired, or it was
  // released): the holder must then stop the job.
  bool Renew(std::string_view name, std::string_view holder, std::chrono::milliseconds ttl);
  // Renews every lease of `holder` whose name starts with `prefix` in one
  // statement; returns the names it still holds (any other it held before
  // was taken by another node).
  std::vector<std::string> RenewAll(std::string_view prefix, std::string_view holder,
                                    std::chrono::milliseconds ttl);
  // Gives the lease up if `holder` holds it.
  void Release(std::string_view name, std::string_view holder);
  // Take() inside the caller's write transaction, so the lease and the
  // change that calls for the job commit together (no other node can see
  // the job without its holder).
  static void TakeIn(Tx& tx, Dialect dialect, std::string_view name, std::string_view holder,
                     std::chrono::milliseconds ttl);
  // Deletes the lease whoever holds it, inside the caller's transaction
  // (the job itself is gone).
  static void DropIn(Tx& tx, std::string_view name);
  // The lease's row, if any (tests and diagnostics).
  std::optional<LeaseInfo> Get(std::string_view name);

  // The SQL expression for "now" in microseconds by the database's clock.
  static std::string_view NowSql(Dialect dialect);

 private:
  Store& store_;
};

// A cluster job run in passes (e.g. the audit pruner) on whichever node holds
// its lease. Hold() before each pass acquires the lease, or renews it when
// this node holds it already, for `term`: the holder keeps the job from pass
// to pass as long as it passes more often than `term`, and the others skip
// theirs (a holder asks the store again once a third of the term has passed
// since its last renewal, not at every pass). Logs when this node takes the
// job up or another node takes it over.
//
// Thread-safety: one thread at a time (the job's own).
class LeasedJob {
 public:
  LeasedJob(Leases& leases, std::string name, std::string holder, std::chrono::milliseconds term)
      : leases_(leases), name_(std::move(name)), holder_(std::move(holder)), term_(term) {}
  // Whether to run this pass. Throws DbError when the store fails.
  bool Hold();
  // Gives the job up (at shutdown), so another node takes it at its next
  // pass; store errors are ignored (the lease then just expires).
  void Release();

 private:
  Leases& leases_;
  const std::string name_;
  const std::string holder_;
  const std::chrono::milliseconds term_;
  bool held_ = false;
  // When the last renewal began: until a third of the term has passed the
  // holder knows it still holds the job without asking the store.
  std::chrono::steady_clock::time_point renewed_;
};

}  // namespace cfiam::store
