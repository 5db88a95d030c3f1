#include "auth/change_feed.h"

#include <algorithm>
#include <chrono>
#include <memory>

#include "auth/token_policy.h"
#include "obs/log.h"

namespace cfiam::auth {
namespace {

// Entries read per query while catching up; bounds memory after a long gap.
constexpr std::int64_t kChunk = 1000;
// Seqs in flight at once are bounded by concurrent transactions, far below this.
constexpr std::int64_t kMaxTrackedGap = 10000;

Micros SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChangeFeed::ChangeFeed(store::Store& store, Directory& directory, const Catalog& catalog)
    : store_(store), directory_(directory), catalog_(catalog), clock_(SteadyMicros) {}

void ChangeFeed::Load() {
  std::lock_guard lock(mu_);
  LoadLocked();
}

void ChangeFeed::LoadLocked() {
  const Micros began = Now();
  attempt_began_ = began;
  attempt_ok_ = false;
  // The position first, then the state: an entry committed in between is
  // applied again by the next CatchUp, which is harmless (entries re-read).
  std::int64_t seq = 0;
  {
    auto tx = store_.Read();
    seq = store_.LatestChangeSeq(*tx);
  }
  directory_.Load(store_, catalog_);
  floor_ = seq;
  done_.clear();
  gaps_.clear();
  applied_.store(seq, std::memory_order_release);
  attempt_ok_ = true;
  confirmed_at_.store(began, std::memory_order_release);
}

std::int64_t ChangeFeed::floor() const {
  std::lock_guard lock(mu_);
  return floor_;
}

void ChangeFeed::AdvanceFloor(Micros now) {
  const std::int64_t top = applied_.load(std::memory_order_relaxed);
  while (floor_ < top) {
    const std::int64_t next = floor_ + 1;
    if (done_.erase(next) == 0) {
      auto gap = gaps_.find(next);
      if (gap != gaps_.end() && now - gap->second < gap_timeout_) break;
      if (gap != gaps_.end()) gaps_.erase(gap);
    }
    floor_ = next;
  }
}

std::int64_t ChangeFeed::CatchUp() {
  std::lock_guard lock(mu_);
  return CatchUpLocked();
}

std::int64_t ChangeFeed::CatchUpSince(Micros committed) {
  std::lock_guard lock(mu_);
  if (attempt_ok_ && attempt_began_ > committed) return applied_.load(std::memory_order_relaxed);
  return CatchUpLocked();
}

bool ChangeFeed::Confirm(Micros wait) {
  const Micros wanted = Now();
  std::unique_lock lock(mu_, std::defer_lock);
  if (!lock.try_lock_for(std::chrono::microseconds(wait))) return false;
  // A catch-up that began after this call answers for it, either way.
  if (attempt_began_ > wanted) return attempt_ok_;
  try {
    CatchUpLocked();
    return true;
  } catch (const std::exception& e) {
    // The poller logs the outage once; a line per refused request would flood.
    obs::log::Write(obs::log::Level::kDebug, "change log confirmation failed",
                    {{"error", e.what()}});
    return false;
  }
}

std::int64_t ChangeFeed::CatchUpLocked() {
  const Micros began = Now();
  attempt_began_ = began;
  attempt_ok_ = false;
  std::int64_t top = applied_.load(std::memory_order_relaxed);
  const Micros now = NowMicros();
  auto tx = store_.Read();
  for (std::int64_t from = floor_;;) {
    const std::vector<store::Change> changes = store_.ChangesAfter(*tx, from, kChunk);
    // Entries missing right after the floor are rolled-back seqs, or pruned
    // by a node further ahead (see Pruning): then nothing tells what they
    // changed, and only a full reload is safe.
    if (from == floor_ && !changes.empty() && changes.front().seq > floor_ + 1) {
      if (const std::int64_t pruned = store_.ChangesPrunedUpto(*tx); pruned > floor_) {
        obs::log::Warn(
            "change log entries this node had not applied were pruned; reloading the "
            "whole authorization state",
            {{"floor", floor_}, {"pruned_upto", pruned}});
        tx.reset();
        LoadLocked();
        reloads_.fetch_add(1, std::memory_order_relaxed);
        return applied_.load(std::memory_order_relaxed);
      }
    }
    for (const store::Change& c : changes) {
      from = c.seq;
      if (c.seq <= top && done_.count(c.seq)) continue;  // applied on an earlier pass
      try {
        Apply(*tx, c);
      } catch (const store::DbError&) {
        // The store failed to answer (an outage, a lost connection), not
        // the entity: skipping the entry would lose it for good (a deleted
        // token would stay valid here). Stop before it: what came before
        // stays applied, this catch-up confirms nothing (so the 1 s bound
        // refuses requests rather than authorize on this state), and the
        // next one reads the entry again.
        applied_.store(top, std::memory_order_release);
        throw;
      } catch (const std::exception& e) {
        // One entity that cannot be read back must not stall every later
        // change; it is logged, dropped where that is the safe state, and
        // the feed moves on.
        obs::log::Error("change not applied", {{"seq", c.seq}, {"error", e.what()}});
        FailClosed(c);
      }
      // Seqs skipped on the way up may still commit (see Gaps). A jump
      // wider than any burst of in-flight transactions is not tracked.
      if (c.seq - top <= kMaxTrackedGap) {
        for (std::int64_t s = top + 1; s < c.seq; ++s) gaps_.emplace(s, now);
      }
      gaps_.erase(c.seq);
      done_.insert(c.seq);
      top = std::max(top, c.seq);
    }
    if (static_cast<std::int64_t>(changes.size()) < kChunk) break;
  }
  applied_.store(top, std::memory_order_release);
  AdvanceFloor(now);
  attempt_ok_ = true;
  confirmed_at_.store(began, std::memory_order_release);
  return top;
}

void ChangeFeed::Apply(store::Tx& tx, const store::Change& c) {
  using store::ChangeKind;
  switch (c.kind) {
    case ChangeKind::kUser:
      if (auto user = store_.GetUser(tx, c.id)) {
        directory_.ReplaceUser(*user, store_.GetApiKeyDigest(tx, c.id));
      } else {
        directory_.EraseUser(c.id);
      }
      break;
    case ChangeKind::kAccount:
      if (auto account = store_.GetAccount(tx, c.id)) {
        directory_.PutAccount(*account);
      } else {
        directory_.EraseAccount(c.id);
      }
      break;
    case ChangeKind::kMember:
      if (auto member = store_.GetMember(tx, c.id)) {
        directory_.PutMember(*member);
      } else {
        directory_.EraseMember(c.account_id, c.user_id);
      }
      break;
    case ChangeKind::kToken:
      if (auto token = store_.GetToken(tx, c.id)) {
        token->policy = std::make_shared<const TokenPolicy>(
            TokenPolicy::FromStored(token->policies_json, token->condition_json, catalog_));
        directory_.PutToken(*token);
      } else {
        directory_.EraseToken(c.id);
        if (on_token_erased) on_token_erased(c.id);
      }
      break;
    case ChangeKind::kResourceGroup:
      if (auto group = store_.GetResourceGroup(tx, c.account_id, c.id)) {
        directory_.PutResourceGroup(*group);
      } else {
        directory_.EraseResourceGroup(c.id);
      }
      break;
    case ChangeKind::kUserGroup:
      if (auto group = store_.GetUserGroup(tx, c.account_id, c.id)) {
        directory_.PutUserGroup(*group);
      } else {
        directory_.EraseUserGroup(c.id);
      }
      break;
  }
}

void ChangeFeed::FailClosed(const store::Change& c) {
  // A token only grants: without it this node denies what it would have
  // allowed, never the reverse. Keeping its previous state could keep a
  // grant the change took away (e.g. a narrowed policy this node cannot
  // compile: a permission group a newer node knows and this one does not).
  // Other kinds are kept as they were: dropping a user group or a resource
  // group would drop the deny policies that name it, i.e. grant more.
  if (c.kind != store::ChangeKind::kToken) return;
  directory_.EraseToken(c.id);
  if (on_token_erased) on_token_erased(c.id);
}

std::int64_t ChangeFeed::Prune(std::int64_t keep, std::int64_t limit) {
  const std::int64_t upto = floor() - keep;
  // Most passes find nothing new to prune; they take no write transaction.
  if (upto <= pruned_upto_.load(std::memory_order_relaxed)) return 0;
  auto tx = store_.Write();
  const std::int64_t n = store_.PruneChanges(*tx, upto, limit);
  tx->Commit();
  if (n < limit) pruned_upto_.store(upto, std::memory_order_relaxed);
  return n;
}

}  // namespace cfiam::auth
