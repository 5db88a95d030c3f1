#include "store/list_counts.h"

namespace cfiam::store {

std::int64_t CountOf(Tx& tx, std::string_view owner_id, std::string_view list) {
  const auto rows = tx.Query("SELECT n FROM list_counts WHERE owner_id = ? AND list = ?",
                             {std::string(owner_id), std::string(list)});
  return rows.empty() ? 0 : rows.front().Int(0);
}

void AddCount(Tx& tx, std::string_view owner_id, std::string_view list, std::int64_t delta) {
  // Portable upsert (SQLite >= 3.24 and PostgreSQL).
  tx.Exec(
      "INSERT INTO list_counts (owner_id, list, n) VALUES (?, ?, ?) "
      "ON CONFLICT (owner_id, list) DO UPDATE SET n = list_counts.n + excluded.n",
      {std::string(owner_id), std::string(list), delta});
}

void PutCount(Tx& tx, std::string_view owner_id, std::string_view list, std::int64_t n) {
  tx.Exec(
      "INSERT INTO list_counts (owner_id, list, n) VALUES (?, ?, ?) "
      "ON CONFLICT (owner_id, list) DO UPDATE SET n = excluded.n",
      {std::string(owner_id), std::string(list), n});
}

void DropCounts(Tx& tx, std::string_view owner_id) {
  tx.Exec("DELETE FROM list_counts WHERE owner_id = ?", {std::string(owner_id)});
}

void CountMember(Tx& tx, std::string_view account_id, std::string_view status, std::int64_t delta) {
  // Both lists in one statement (every member insert and delete pays it).
  const std::string owner(account_id);
  tx.Exec(
      "INSERT INTO list_counts (owner_id, list, n) VALUES (?, 'members', ?), (?, ?, ?) "
      "ON CONFLICT (owner_id, list) DO UPDATE SET n = list_counts.n + excluded.n",
      {owner, delta, owner, "members:" + std::string(status), delta});
}

}  // namespace cfiam::store
