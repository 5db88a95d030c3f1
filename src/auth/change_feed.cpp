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
// Offered images waiting for a catch-up; beyond this (no catch-up running)
// further ones are dropped: those entries are read back instead.
constexpr std::size_t kMaxOffered = 4096;

Micros SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ChangeFeed::ChangeFeed(store::Store& store, Directory& directory, const Catalog& catalog)
    : store_(store), directory_(directory), catalog_(catalog), clock_(SteadyMicros) {
  store_.set_change_image_sink([this](store::ChangeImage image) { Offer(std::move(image)); });
}

ChangeFeed::~ChangeFeed() { store_.set_change_image_sink(nullptr); }

void ChangeFeed::Offer(store::ChangeImage image) {
  std::lock_guard lock(offered_mu_);
  if (offered_.size() < kMaxOffered) offered_.push_back(std::move(image));
}

void ChangeFeed::TakeOffered() {
  std::vector<store::ChangeImage> offered;
  {
    std::lock_guard lock(offered_mu_);
    offered.swap(offered_);
  }
  for (store::ChangeImage& image : offered) {
    const std::int64_t seq = image.change.seq;
    // Applied already (read back by a catch-up that ran before the offer).
    if (seq <= floor_ || done_.count(seq)) continue;
    images_.insert_or_assign(seq, std::move(image));
  }
}

std::vector<const store::ChangeImage*> ChangeFeed::UsableImages(
    const std::vector<store::Change>& changes) {
  using store::ChangeKind;
  std::vector<const store::ChangeImage*> usable;
  if (images_.empty()) return usable;
  usable.assign(changes.size(), nullptr);
  // Reading an entity back gives its state after the last entry that changed
  // it, so an image (its state at its own entry) stands for that read only
  // when no later entry changed it: the same entity again, or for a member
  // the account or the user whose deletion cascades to it (the store logs no
  // member entry for a cascade). A chunk holds a few entries per writer of a
  // batch: a scan of the later ones is cheaper than indexing them.
  auto names = [](const store::Change& e, ChangeKind kind, const std::string& id) {
    return e.kind == kind && e.id == id;
  };
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const store::Change& c = changes[i];
    auto it = images_.find(c.seq);
    if (it == images_.end()) continue;
    const store::ChangeImage& image = it->second;
    const store::Change& named = image.change;
    const bool payload = (c.kind == ChangeKind::kUser && image.user) ||
                         (c.kind == ChangeKind::kMember && image.member);
    if (!payload || named.kind != c.kind || named.id != c.id || named.account_id != c.account_id ||
        named.user_id != c.user_id) {
      continue;
    }
    bool changed_later = false;
    for (std::size_t j = i + 1; j < changes.size() && !changed_later; ++j) {
      const store::Change& e = changes[j];
      changed_later = names(e, c.kind, c.id) || (c.kind == ChangeKind::kMember &&
                                                 (names(e, ChangeKind::kAccount, c.account_id) ||
                                                  names(e, ChangeKind::kUser, c.user_id)));
    }
    if (!changed_later) usable[i] = &image;
  }
  return usable;
}

void ChangeFeed::ApplyImage(const store::ChangeImage& image) {
  // As Apply does with what it reads back (a new user has no API key).
  if (image.user) directory_.ReplaceUser(*image.user, std::nullopt);
  if (image.member) directory_.PutMember(*image.member);
  images_applied_.fetch_add(1, std::memory_order_relaxed);
}

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
  // Before anything can fail: the change is durable and about to be
  // acknowledged whatever happens here.
  Micros seen = own_committed_at_.load(std::memory_order_relaxed);
  while (seen < committed &&
         !own_committed_at_.compare_exchange_weak(seen, committed, std::memory_order_release,
                                                  std::memory_order_relaxed)) {
  }
  std::lock_guard lock(mu_);
  if (attempt_ok_ && attempt_began_ > committed) return applied_.load(std::memory_order_relaxed);
  return CatchUpLocked();
}

std::optional<std::int64_t> ChangeFeed::AppliedWithOwnChanges() const {
  const Micros own = own_committed_at_.load(std::memory_order_acquire);
  // Confirmation first: a catch-up stores applied_ before confirmed_at_
  // (release), so the position read after it covers what that one applied.
  // Strictly after, as CatchUpSince's own test: a read that began in the
  // same microsecond as the commit may not have seen it.
  if (confirmed_at() <= own) return std::nullopt;
  return applied();
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
    // After the read: the images of most entries it saw are offered by now
    // (when durable, before their commits returned); an entry whose image
    // comes later is read back.
    TakeOffered();
    // Images only in the last chunk: an earlier one cannot tell what the
    // entries after it change.
    const bool last_chunk = static_cast<std::int64_t>(changes.size()) < kChunk;
    const std::vector<const store::ChangeImage*> images =
        last_chunk ? UsableImages(changes) : std::vector<const store::ChangeImage*>();
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
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const store::Change& c = changes[i];
      from = c.seq;
      if (c.seq <= top && done_.count(c.seq)) continue;  // applied on an earlier pass
      try {
        if (!images.empty() && images[i]) {
          ApplyImage(*images[i]);
        } else {
          Apply(*tx, c);
        }
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
    if (last_chunk) break;
  }
  applied_.store(top, std::memory_order_release);
  AdvanceFloor(now);
  // Images of entries applied (or given up on) are of no further use.
  for (auto it = images_.begin(); it != images_.end();) {
    if (it->first <= floor_ || done_.count(it->first)) {
      it = images_.erase(it);
    } else {
      ++it;
    }
  }
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
