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
// they are written in when served (api/list_cache.h). Which values those
// are, and who may keep a page, is the list code's business; this file is
// only the versioned, bounded container.
//
// Bounded: entries count their bytes; past the budget the cache starts over
// (as SeekCache does), so a client walking many pages cannot grow it. A
// budget of 0 disables it. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

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

// Token id -> its stored last use, as the page's transaction read it: what
// a live last_used_on combines with the uses held in memory
// (TokenService::LastUsedOn).
using StoredLastUsed = std::unordered_map<std::string, Micros>;

// A response body in pieces: pieces[0] live[0] pieces[1] ... live[n-1]
// pieces[n]. A page without live values is one piece.
struct CachedPage {
  static constexpr std::size_t kPieceReserve = 512;
  std::vector<std::string> pieces{std::string()};
  std::vector<LiveValue> live;

  // Appends fixed text.
  std::string& text() { return pieces.back(); }
  // Cuts a live value in at the current end.
  void AddLive(LiveValue v);
  // What the entry costs the budget (its text and bookkeeping).
  std::size_t Bytes() const;
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
