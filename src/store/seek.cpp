#include "store/seek.h"

namespace cfiam::store {

std::string OrderBy(const OrderedList& l) {
  return " ORDER BY " + l.key + (l.key_desc ? " DESC, " : " ASC, ") + l.id +
         (l.id_desc ? " DESC" : " ASC");
}

std::optional<std::pair<std::string, Params>> SeekTo(Tx& tx, const OrderedList& l,
                                                     std::int64_t offset) {
  if (offset <= 0) return std::pair<std::string, Params>{};
  Params params = l.params;
  params.emplace_back(offset);
  const auto rows = tx.Query("SELECT " + l.key + ", " + l.id + " FROM " + l.from + l.where +
                                 OrderBy(l) + " LIMIT 1 OFFSET ?",
                             params);
  if (rows.empty()) return std::nullopt;
  const Value key = l.key_is_int ? Value(rows.front().Int(0)) : Value(rows.front().Str(0));
  const Value id = rows.front().Str(1);
  const char* key_from = l.key_desc ? " <= ?" : " >= ?";
  const char* key_past = l.key_desc ? " < ?" : " > ?";
  const char* id_from = l.id_desc ? " <= ?" : " >= ?";
  return std::pair<std::string, Params>{
      " AND " + l.key + key_from + " AND (" + l.key + key_past + " OR " + l.id + id_from + ")",
      {key, key, id}};
}

}  // namespace cfiam::store
