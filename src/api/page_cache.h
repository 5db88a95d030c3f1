// PageCache: rendered list pages kept between requests (issue 15), so a list
// that has not changed costs a lookup and a copy instead of reading and
// rendering its rows again.
//
// What keeps an entry true: it is keyed on the store's version as the
// request's read transaction sees it (store::ChangeVersion, the change log's
// highest seq; the one store/seek.h's SeekCache keys on). Every mutator of a
// table a page renders appends to the change log in its own transaction, so
// a request that reads the same version reads the same rows. The cache holds
// one version at a time: an entry of a newer one drops every older entry.
// Values a page shows that move WITHOUT a change-log entry are not frozen:
// the page is kept as fixed pieces with those "live" values cut out, and
// they are written in when served (api/list_cache.h; a token page keeps its
// read of the stored last uses for up to a second, CachedPage::KeepStored).
// Which values those are, and who may keep a page, is the list code's
// business; this file is only the versioned, bounded container.
//
// Bounded: entries count their bytes; past the budget the cache starts over
// (as SeekCache does), so a client walking many pages cannot grow it. A
// budget of 0 disables it. Thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "auth/keys.h"
#include "util/clock.h"

namespace cfiam::api {

// A value of a page that changes without a change-log entry, written at
// serve time: a token's status ("expired" once its expires_on passes: the
// clock) or its last_used_on (each authenticated request; flushed to the
// store without a change-log entry).
struct LiveValue {
  enum class Kind : std::uint8_t { kTokenStatus, kTokenLastUsed };
  Kind kind = Kind::kTokenStatus;
  std::string token_id;              // kTokenLastUsed
  std::string status;                // kTokenStatus: the stored status
  std::optional<Micros> expires_on;  // kTokenStatus
};

// The stored last use of each token a page shows (nullopt: none stored), in
// the order of the page's kTokenLastUsed live values: what a live
// last_used_on combines with the uses held in memory
// (TokenService::LastUsedOnEach).
using StoredLastUsed = std::vector<std::optional<Micros>>;

// A live value as one response shows it: whether the status reads
// "expired", or the token's last use.
struct LiveNow {
  bool expired = false;
  std::optional<Micros> last_used;
  bool operator==(const LiveNow&) const = default;
};

// The stored last uses of a kept page's tokens as read at or after `at` (a
// steady-clock time taken before the reading transaction began).
struct StoredRead {
  std::chrono::steady_clock::time_point at;
  StoredLastUsed values;
};

// A response body in pieces: pieces[0] live[0] pieces[1] ... live[n-1]
// pieces[n]. A page without live values is one piece.
struct CachedPage {
  static constexpr std::size_t kPieceReserve = 512;
  std::vector<std::string> pieces{std::string()};
  std::vector<LiveValue> live;
  // The key of each kTokenLastUsed value's token, in order (nullopt: an id
  // of no shape of ours, so never used): the memory lookup at serve time
  // parses no id.
  std::vector<std::optional<auth::IdKey>> used_keys;

  // Appends fixed text.
  std::string& text() { return pieces.back(); }
  // Cuts a live value in at the current end.
  void AddLive(LiveValue v);
  // What the entry costs the budget (its text and bookkeeping).
  std::size_t Bytes() const;

  // --- what moves on a kept page (thread-safe; const: a kept page is shared
  // read-only, and these only remember reads and assemblies of it) ---------

  // The newest stored read kept if it was read at or after `since`, else
  // nullptr.
  std::shared_ptr<const StoredRead> StoredSince(std::chrono::steady_clock::time_point since) const;
  // Keeps `read` merged into the kept one (per token the later use: both are
  // values the store held, and a stored use only moves forward, so the merge
  // is one too; the later `at`). Returns what is kept now.
  std::shared_ptr<const StoredRead> KeepStored(StoredRead read) const;
  // The body assembled last, if it was assembled with exactly `live`.
  std::shared_ptr<const std::string> BodyFor(const std::vector<LiveNow>& live) const;
  // Remembers `body` as the assembly with `live`.
  void KeepBody(std::vector<LiveNow> live, std::shared_ptr<const std::string> body) const;

 private:
  struct Assembly {
    std::vector<LiveNow> live;
    std::shared_ptr<const std::string> body;
  };
  mutable std::mutex mu_;
  mutable std::shared_ptr<const StoredRead> stored_;  // guarded by mu_
  mutable std::shared_ptr<const Assembly> assembly_;  // guarded by mu_
};

class PageCache {
 public:
  // `max_bytes` 0: disabled (Find never finds, Put keeps nothing).
  explicit PageCache(std::size_t max_bytes = 0) : max_bytes_(max_bytes) {}
  PageCache(const PageCache&) = delete;
  PageCache& operator=(const PageCache&) = delete;

  bool enabled() const { return max_bytes_ > 0; }
  // Set before serving.
  void set_max_bytes(std::size_t max_bytes) { max_bytes_ = max_bytes; }

  // The page kept under `key` at exactly `version`; nullptr when none is.
  // Counts a hit or a miss (metrics).
  std::shared_ptr<const CachedPage> Find(const std::string& key, std::int64_t version);
  // The same without counting: for a lookup that may yet hand the request to
  // the path that calls Find (api/list_cache.h, KeptListReply).
  std::shared_ptr<const CachedPage> Peek(const std::string& key, std::int64_t version) const;
  // Keeps `page` under `key` at `version`. Ignored for a version older than
  // the newest seen and for a page larger than the whole budget; a newer
  // version drops every entry first.
  void Put(const std::string& key, std::int64_t version, std::shared_ptr<const CachedPage> page);

  // For tests and the gauge: the bytes and entries held now.
  std::size_t bytes() const;
  std::size_t size() const;

 private:
  std::size_t max_bytes_;
  mutable std::mutex mu_;
  std::int64_t version_ = -1;
  std::size_t bytes_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const CachedPage>> pages_;
};

}  // namespace cfiam::api
