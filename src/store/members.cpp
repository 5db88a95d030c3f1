#include "store/store.h"

namespace cfiam::store {

void Store::InsertMember(Tx& tx, const Member& m) {
  tx.Exec(
      "INSERT INTO members (id, account_id, user_id, status, created_on) VALUES (?, ?, ?, ?, ?)",
      {m.id, m.account_id, m.user_id, m.status, m.created_on});
  for (const std::string& role : m.role_ids) {
    tx.Exec("INSERT INTO member_roles (member_id, role_id) VALUES (?, ?)", {m.id, role});
  }
}

std::optional<Member> Store::FindMember(Tx& tx, std::string_view account_id,
                                        std::string_view user_id) {
  auto rows = tx.Query(
      "SELECT id, account_id, user_id, status, created_on FROM members "
      "WHERE account_id = ? AND user_id = ?",
      {std::string(account_id), std::string(user_id)});
  if (rows.empty()) return std::nullopt;
  Member m;
  m.id = rows[0].Str(0);
  m.account_id = rows[0].Str(1);
  m.user_id = rows[0].Str(2);
  m.status = rows[0].Str(3);
  m.created_on = rows[0].Int(4);
  for (const Row& r :
       tx.Query("SELECT role_id FROM member_roles WHERE member_id = ? ORDER BY role_id", {m.id})) {
    m.role_ids.push_back(r.Str(0));
  }
  return m;
}

}  // namespace cfiam::store
