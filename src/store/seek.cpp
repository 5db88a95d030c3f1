#include "store/seek.h"

#include <algorithm>

namespace cfiam::store {
namespace {

// Identifies a list: its SQL and parameter values, each length-prefixed.
std::string ListKey(const OrderedList& l) {
  std::string key = l.from + '\n' + l.where + '\n' + OrderBy(l);
  for (const Value& v : l.params) {
    if (const auto* s = std::get_if<std::string>(&v)) {
      key += "\ns" + std::to_string(s->size()) + ':' + *s;
    } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
      key += "\ni" + std::to_string(*i);
    } else {
      key += "\nn";
    }
  }
  return key;
}

// The rows at or after `b` in `l`'s order. With both columns in one
// direction, a row value (`(key, id) >= (X, Y)`), which both engines seek
// their index to directly; otherwise a range on the key with ties by id,
// which walks every row tied with X before Y (a seeded list may tie them all).
std::pair<std::string, Params> From(const OrderedList& l, const Boundary& b) {
  if (l.key_desc == l.id_desc) {
    return {" AND (" + l.key + ", " + l.id + (l.key_desc ? ") <= (?, ?)" : ") >= (?, ?)"),
            {b.key, b.id}};
  }
  const char* key_from = l.key_desc ? " <= ?" : " >= ?";
  const char* key_past = l.key_desc ? " < ?" : " > ?";
  const char* id_from = l.id_desc ? " <= ?" : " >= ?";
  return {" AND " + l.key + key_from + " AND (" + l.key + key_past + " OR " + l.id + id_from + ")",
          {b.key, b.key, b.id}};
}

// The boundary `steps` rows after `start` (the list's first row when
// nullopt), walking the index; nullopt past the list's end.
std::optional<Boundary> Walk(Tx& tx, const OrderedList& l, const std::optional<Boundary>& start,
                             std::int64_t steps) {
  Params params = l.params;
  std::string where = l.where;
  if (start) {
    auto [cond, p] = From(l, *start);
    where += cond;
    params.insert(params.end(), p.begin(), p.end());
  }
  params.emplace_back(steps);
  const auto rows = tx.Query("SELECT " + l.key + ", " + l.id + " FROM " + l.from + where +
                                 OrderBy(l) + " LIMIT 1 OFFSET ?",
                             params);
  if (rows.empty()) return std::nullopt;
  return Boundary{l.key_is_int ? Value(rows.front().Int(0)) : Value(rows.front().Str(0)),
                  rows.front().Str(1)};
}

}  // namespace

std::int64_t ChangeVersion(Tx& tx) {
  // Pruning may remove every entry: the pruned watermark (never past a seq
  // handed out) then stands in for the removed ones.
  const auto rows = tx.Query(
      "SELECT (SELECT MAX(seq) FROM change_log), (SELECT upto FROM change_log_pruned WHERE id = "
      "1)");
  if (rows.empty()) return 0;
  return std::max(rows.front().Int(0), rows.front().Int(1));
}

std::optional<std::pair<std::int64_t, Boundary>> SeekCache::Nearest(const std::string& list,
                                                                    std::int64_t version,
                                                                    std::int64_t offset) {
  std::lock_guard lock(mu_);
  if (version != version_) return std::nullopt;
  auto l = lists_.find(list);
  if (l == lists_.end()) return std::nullopt;
  auto it = l->second.upper_bound(offset);
  if (it == l->second.begin()) return std::nullopt;
  --it;
  return std::pair<std::int64_t, Boundary>{it->first, it->second};
}

void SeekCache::Put(const std::string& list, std::int64_t version, std::int64_t offset,
                    Boundary b) {
  std::lock_guard lock(mu_);
  if (version < version_) return;
  if (version > version_ || size_ >= kMaxBoundaries) {
    lists_.clear();
    size_ = 0;
    version_ = version;
  }
  if (lists_[list].insert_or_assign(offset, std::move(b)).second) ++size_;
}

std::string OrderBy(const OrderedList& l) {
  return " ORDER BY " + l.key + (l.key_desc ? " DESC, " : " ASC, ") + l.id +
         (l.id_desc ? " DESC" : " ASC");
}

std::optional<std::pair<std::string, Params>> SeekTo(Tx& tx, const OrderedList& l,
                                                     std::int64_t offset, SeekCache* cache) {
  if (offset <= 0) return std::pair<std::string, Params>{};
  if (cache == nullptr || !tx.read_only()) {
    auto b = Walk(tx, l, std::nullopt, offset);
    if (!b) return std::nullopt;
    return From(l, *b);
  }
  const std::int64_t version = ChangeVersion(tx);
  const std::string list = ListKey(l);
  std::optional<Boundary> start;
  std::int64_t start_at = 0;
  if (auto known = cache->Nearest(list, version, offset)) {
    if (known->first == offset) return From(l, known->second);
    start_at = known->first;
    start = std::move(known->second);
  }
  auto b = Walk(tx, l, start, offset - start_at);
  if (!b) return std::nullopt;
  auto seek = From(l, *b);
  cache->Put(list, version, offset, std::move(*b));
  return seek;
}

}  // namespace cfiam::store
