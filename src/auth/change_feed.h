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
// Gaps: on an engine where concurrent transactions draw seqs and commit in
// another order (PostgreSQL), seq 10 may commit after 11. The feed applies
// every entry it sees, but resumes each read from its floor (every seq at or
// below it is applied, or was a gap for longer than kGapTimeout: a rolled
// back transaction's seq), so a late commit is never skipped. SQLite assigns
// seqs in commit order, so there the floor is always the newest entry.
//
// Pruning: nodes delete entries long applied (Prune). A node that fell
// further behind than that (stalled, cut off from the store) would find
// entries it needs gone: the store keeps a watermark of what any node pruned,
// and a catch-up that sees entries missing right after its floor while the
// watermark is above it reloads the whole state (logged) instead of taking
// the hole for rolled-back seqs.
//
// Staleness (the 1 s bound, docs/cluster.md): a catch-up that succeeds
// confirms the state as of the moment it began reading: everything committed
// before then is applied. Requests check that the confirmation is recent
// (ConfirmedWithin, a clock read and an atomic load), confirm on demand when
// it is not (Confirm), and are refused with a 503 when neither holds.
//
// After-images: this node's own writes of a new user or member hand the feed
// the row as written (store::ChangeImage) once durable, so applying their
// entries reads nothing back. The log still drives: an image is used only
// for the entry it names, when the catch-up reads that entry, and only when
// no later entry it read may have changed the entity again (then it reads
// back as before); other nodes, other processes and every other change are
// read back. So the state applied is exactly what reading back would give.
//
// Own changes: a change this node acknowledges was applied by its own
// CatchUpSince, which normally leaves applied() at or past it. When that
// catch-up fails (the change is durable; the poller applies it later), the
// change is acknowledged while applied() is behind it: authorization then
// lags it, as documented, but a read answered from memory at applied() (a
// kept list page, api/list_cache.h) must not, so CatchUpSince remembers the
// latest commit it was called for and AppliedWithOwnChanges answers only
// once a successful catch-up began after it.
//
// Thread-safety: CatchUp serializes on an internal mutex, so entries apply
// in seq order; applied() and the confirmation reads are lock-free.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "auth/catalog.h"
#include "auth/directory.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::auth {

class ChangeFeed {
 public:
  // Takes the store's after-images (Store::set_change_image_sink) while it lives.
  ChangeFeed(store::Store& store, Directory& directory, const Catalog& catalog);
  ~ChangeFeed();
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;

  // Start-up: loads the whole state and takes the log's position as its own.
  void Load();
  // Applies every committed entry after applied(); returns the new position.
  // Throws (DbError) when the store cannot be read; nothing is confirmed then.
  std::int64_t CatchUp();
  // CatchUp for a change that committed at `committed` (Now() taken after its
  // commit returned): a catch-up that began later has read the log after the
  // commit, so it applied the change, and this returns at once. The writers
  // of one group-committed batch wake together; the first applies every
  // entry of the batch and the others need no read of their own. Throws as
  // CatchUp does.
  std::int64_t CatchUpSince(Micros committed);
  // The newest entry applied: every change committed before the last CatchUp
  // read the log, up to this position, is reflected (cf-iam-seq).
  std::int64_t applied() const { return applied_.load(std::memory_order_acquire); }
  // Where the next read resumes (see Gaps above).
  std::int64_t floor() const;

  // How long a missing seq below applied() is waited for before it is taken
  // for a rolled-back transaction's (default 10 s; tests shorten it).
  void set_gap_timeout(Micros micros) { gap_timeout_ = micros; }
  // Deletes entries more than `keep` behind applied(), at most `limit`;
  // returns how many.
  std::int64_t Prune(std::int64_t keep, std::int64_t limit);

  // Told of each token an applied entry erased (e.g. to drop its unflushed
  // last use). Set before serving.
  std::function<void(const std::string& token_id)> on_token_erased;

  // --- Confirmation (see Staleness above). Times are on `clock`, a
  // monotonic clock in microseconds (steady_clock unless a test sets one
  // before use).
  void set_clock(std::function<Micros()> clock) { clock_ = std::move(clock); }
  Micros Now() const { return clock_(); }
  // When the last successful Load or CatchUp began reading the log (0: never).
  Micros confirmed_at() const { return confirmed_at_.load(std::memory_order_acquire); }
  // The hot path's check: confirmed at most `max_age` ago.
  bool ConfirmedWithin(Micros max_age) const { return ConfirmationAge() <= max_age; }
  Micros ConfirmationAge() const { return Now() - confirmed_at(); }
  // Confirms the state is current now: runs a CatchUp, unless one that began
  // after this call did already, in which case its outcome is the answer
  // (callers arriving together share one read of the log). Waits at most
  // `wait` for a catch-up in progress (one stuck on an unreachable store
  // must not hold every request). Never throws.
  bool Confirm(Micros wait);
  // --- Memory-only reads (see Own changes above) -------------------------
  // The position a read answered from memory alone may reflect: applied(),
  // while every change this node committed through CatchUpSince is known
  // applied (a catch-up that succeeded began after it was durable); nullopt
  // while one may not be (its own catch-up failed). The caller checks the
  // confirmation age as well (ConfirmedWithin), as for authorization.
  std::optional<std::int64_t> AppliedWithOwnChanges() const;

  // Full reloads forced by a pruned log (see Pruning above).
  std::uint64_t reloads() const { return reloads_.load(std::memory_order_relaxed); }
  // Entries applied from an after-image instead of read back (see above).
  std::uint64_t images_applied() const { return images_applied_.load(std::memory_order_relaxed); }

 private:
  void Apply(store::Tx& tx, const store::Change& change);
  // The sink: called by the thread that made the change durable.
  void Offer(store::ChangeImage image);
  // REQUIRES: mu_ held. Moves offered images not yet applied into images_.
  void TakeOffered();
  // REQUIRES: mu_ held. For each entry of `changes` (the last ones the log
  // holds), its image if one may stand for reading it back, else null.
  std::vector<const store::ChangeImage*> UsableImages(const std::vector<store::Change>& changes);
  void ApplyImage(const store::ChangeImage& image);
  // After an entry failed to apply for a reason of its own (not the
  // store's): drops the entity where that grants nothing.
  void FailClosed(const store::Change& change);
  // REQUIRES: mu_ held. Moves floor_ over applied seqs and expired gaps.
  void AdvanceFloor(Micros now);
  // REQUIRES: mu_ held.
  void LoadLocked();
  std::int64_t CatchUpLocked();

  store::Store& store_;
  Directory& directory_;
  const Catalog& catalog_;
  // One applier at a time (seq order); timed, so Confirm can give up.
  mutable std::timed_mutex mu_;
  std::atomic<std::int64_t> applied_{0};
  // Under mu_: every seq <= floor_ is applied or given up on; above it,
  // `done_` were applied and `gaps_` (with when they were first missed) not.
  std::int64_t floor_ = 0;
  std::set<std::int64_t> done_;
  std::map<std::int64_t, Micros> gaps_;
  Micros gap_timeout_ = 10'000'000;
  std::atomic<std::int64_t> pruned_upto_{0};  // entries up to here are gone
  std::function<Micros()> clock_;
  std::atomic<Micros> confirmed_at_{0};
  // Under mu_: when the latest catch-up attempt began, and whether it succeeded.
  Micros attempt_began_ = 0;
  bool attempt_ok_ = false;
  std::atomic<std::uint64_t> reloads_{0};
  // The latest `committed` CatchUpSince was called with (see Own changes).
  std::atomic<Micros> own_committed_at_{0};
  // Offered after-images, under their own lock: the committing thread holds
  // the store's writer and must not wait for a catch-up.
  std::mutex offered_mu_;
  std::vector<store::ChangeImage> offered_;
  // Under mu_: images by seq, of entries not yet applied.
  std::map<std::int64_t, store::ChangeImage> images_;
  std::atomic<std::uint64_t> images_applied_{0};
};

}  // namespace cfiam::auth
