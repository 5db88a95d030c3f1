#include <cstdint>
#include <unordered_map>

#include "store/policies.h"
#include "store/store.h"

namespace cfiam::store {

std::vector<std::pair<User, std::optional<std::string>>> Store::ListUsersWithKeys(Tx& tx) {
  std::vector<std::pair<User, std::optional<std::string>>> users;
  for (const Row& r :
       tx.Query("SELECT id, email, first_name, last_name, two_factor, tenant_admin, created_on, "
                "api_key_digest FROM users")) {
    User u{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Int(4) != 0, r.Int(5) != 0, r.Int(6)};
    std::optional<std::string> key;
    if (!r.IsNull(7)) key = r.Str(7);
    users.emplace_back(std::move(u), std::move(key));
  }
  return users;
}

DirectorySnapshot Store::LoadDirectory(Tx& tx) {
  DirectorySnapshot snap;
  snap.users = ListUsersWithKeys(tx);
  snap.accounts = ListAccounts(tx, {std::nullopt, "", false, INT64_MAX, 0}).items;
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
  // Every member's policies in three queries, not three per member.
  for (auto& [member_id, policies] : ReadAllPolicies(tx, PolicyOwner::kMember)) {
    if (auto it = index.find(member_id); it != index.end()) {
      snap.members[it->second].policies = std::move(policies);
    }
  }
  for (const Row& r : tx.Query("SELECT id, account_id FROM resource_groups")) {
    if (auto g = GetResourceGroup(tx, r.Str(1), r.Str(0))) snap.resource_groups.push_back(*g);
  }
  for (const Row& r : tx.Query("SELECT id, account_id FROM user_groups")) {
    if (auto g = GetUserGroup(tx, r.Str(1), r.Str(0))) snap.user_groups.push_back(*g);
  }
  return snap;
}

void Store::EachDirectoryToken(Tx& tx, const std::function<void(const TokenRow&)>& fn) {
  const auto time = [](const RowView& r, size_t i) {
    return r.IsNull(i) ? std::nullopt : std::optional<Micros>(r.Int(i));
  };
  tx.QueryEach(
      "SELECT id, owner_kind, user_id, account_id, secret_digest, status, not_before, "
      "expires_on, policies_json, condition_json FROM tokens",
      {}, [&](const RowView& r) {
        fn(TokenRow{r.Str(0), r.Str(1), r.Str(2), r.Str(3), r.Str(4), r.Str(5), time(r, 6),
                    time(r, 7), r.Str(8), r.Str(9)});
      });
}

}  // namespace cfiam::store
