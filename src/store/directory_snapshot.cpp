#include <unordered_map>

#include "store/store.h"

namespace cfiam::store {

DirectorySnapshot Store::LoadDirectory(Tx& tx) {
  DirectorySnapshot snap;
  for (const Row& r :
       tx.Query("SELECT id, email, first_name, last_name, two_factor, tenant_admin, created_on, "
                "api_key_digest FROM users")) {
    User u{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4) != 0, r.Int(5) != 0, r.Int(6)};
    std::optional<std::string> key;
    if (!r.IsNull(7)) key = r.Str(7);
    snap.users.emplace_back(std::move(u), std::move(key));
  }
  for (const Row& r : tx.Query("SELECT id FROM accounts")) snap.account_ids.push_back(r.Str(0));
  std::unordered_map<std::string, size_t> index;
  for (const Row& r : tx.Query("SELECT id, account_id, user_id, status, created_on FROM members")) {
    Member m;
    m.id = r.Str(0);
    m.account_id = r.Str(1);
    m.user_id = r.Str(2);
    m.status = r.Str(3);
    m.created_on = r.Int(4);
    index.emplace(m.id, snap.members.size());
    snap.members.push_back(std::move(m));
  }
  for (const Row& r : tx.Query("SELECT member_id, role_id FROM member_roles ORDER BY role_id")) {
    if (auto it = index.find(r.Str(0)); it != index.end()) {
      snap.members[it->second].role_ids.push_back(r.Str(1));
    }
  }
  snap.tokens = ListAllTokens(tx);
  return snap;
}

}  // namespace cfiam::store
