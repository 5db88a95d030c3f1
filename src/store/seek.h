// Store-internal: reading page N of an ordered list without OFFSET walking
// full rows, and without walking at all once the page's start is known.
//
// The API numbers pages, so a page's first row is known only by position. We
// find it with one query that reads just the order's key and id from the
// list's covering index ("... ORDER BY key, id LIMIT 1 OFFSET ?": index-only,
// no row, no join), then read the page itself by seeking the index to that key
// (`(key, id) >= (X, Y)`, a row value the index is sought to; for a list whose
// key and id run in opposite directions `key >= X AND (key > X OR id >= Y)`)
// and taking LIMIT rows. Page 1 skips the first query.
//
// That first query still steps over `offset` index entries (page 200 of 50
// cost ~2.4x page 1), so the boundaries it finds are kept (SeekCache) for as
// long as the store is unchanged: a later request for the same page seeks
// straight to it, and one for a later page walks only from the nearest known
// boundary before it. "Unchanged" is the change log's version (the highest
// seq it ever held, store/change_log.h): every mutator of a listed table
// appends to it in the same transaction, so a read transaction that sees the
// version a boundary was found at sees the same rows. Boundaries found in a
// write transaction (which may see its own uncommitted changes) are never
// kept. We keep positions rather than an in-memory ordered index per account
// because an index would have to follow every commit, user rename and
// cascade exactly (on every node); the version only has to change.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "store/db.h"

namespace cfiam::store {

struct OrderedList {
  std::string from;   // e.g. "members m": the table whose index holds the order
  std::string where;  // e.g. " WHERE m.account_id = ?" (may be " WHERE 1 = 1")
  Params params;      // for `where`
  std::string key;    // the order's first column, e.g. "m.created_on"
  bool key_is_int = false;
  bool key_desc = false;
  std::string id;  // the tie-break column, unique, e.g. "m.id"
  bool id_desc = false;
};

// A row's place in its list's order: its key and id.
struct Boundary {
  Value key;
  std::string id;
};

// Boundaries found by earlier pages, per list, valid at one version of the
// store (the newest seen; older ones are dropped). Bounded: past
// kMaxBoundaries (a few MB) it starts over, so a client walking many lists
// cannot grow it. Thread-safe.
class SeekCache {
 public:
  static constexpr std::size_t kMaxBoundaries = 1 << 16;

  // The known boundary at the greatest position <= `offset` of list `list`
  // at `version`, with its position; nullopt when none is.
  std::optional<std::pair<std::int64_t, Boundary>> Nearest(const std::string& list,
                                                           std::int64_t version,
                                                           std::int64_t offset);
  // Records the boundary at `offset`. Ignored for a version older than the
  // newest seen.
  void Put(const std::string& list, std::int64_t version, std::int64_t offset, Boundary b);

 private:
  std::mutex mu_;
  std::int64_t version_ = -1;
  std::size_t size_ = 0;  // boundaries over all lists
  std::unordered_map<std::string, std::map<std::int64_t, Boundary>> lists_;
};

// The store's version as `tx` sees it: the change log's highest seq, which
// grows with every committed change of a listed table (seqs are never
// reused). What SeekCache and the rendered-page cache (api/page_cache.h) key on.
std::int64_t ChangeVersion(Tx& tx);

// " ORDER BY key DIR, id DIR"
std::string OrderBy(const OrderedList& list);

// The condition (" AND ...") and its parameters that keep only the rows at or
// after position `offset` (0-based) of `list`: empty for offset 0, nullopt
// when the list has no row at `offset` (the page is empty). With a cache and
// a read transaction, known boundaries are used and new ones kept.
std::optional<std::pair<std::string, Params>> SeekTo(Tx& tx, const OrderedList& list,
                                                     std::int64_t offset,
                                                     SeekCache* cache = nullptr);

}  // namespace cfiam::store
