// Store-internal: reading page N of an ordered list without OFFSET walking
// full rows.
//
// The API numbers pages, so a page's first row is known only by position. We
// find it with one query that reads just the order's key and id from the
// list's covering index ("... ORDER BY key, id LIMIT 1 OFFSET ?": index-only,
// no row, no join), then read the page itself by seeking the index to that key
// (`key >= X AND (key > X OR id >= Y)`: a range on the key, ties by id) and
// taking LIMIT rows. The first query still steps over `offset` index entries
// (a few tens of nanoseconds each), but nothing is materialized, joined or
// sorted for them; an in-memory ordered index per account would make that
// step O(log n) too, but would duplicate state the auth directory owns and
// would have to follow every commit, user rename and cascade exactly. Page 1
// skips the first query.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

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

// " ORDER BY key DIR, id DIR"
std::string OrderBy(const OrderedList& list);

// The condition (" AND ...") and its parameters that keep only the rows at or
// after position `offset` (0-based) of `list`: empty for offset 0, nullopt
// when the list has no row at `offset` (the page is empty).
std::optional<std::pair<std::string, Params>> SeekTo(Tx& tx, const OrderedList& list,
                                                     std::int64_t offset);

}  // namespace cfiam::store
