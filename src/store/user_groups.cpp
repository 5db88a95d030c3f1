#include "store/policies.h"
#include "store/sql_text.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/text.h"

namespace cfiam::store {
namespace {

// The group's change-log entry, with its account read from the row.
void LogUserGroup(Tx& tx, std::string_view id) {
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'user_group', id, account_id, '', ? FROM user_groups WHERE id = ?",
      {NowMicros(), std::string(id)});
}

constexpr std::string_view kColumns =
    "g.id, g.account_id, g.name, g.created_on, g.modified_on FROM user_groups g";

UserGroup ReadGroup(Tx& tx, const Row& r) {
  UserGroup g{r.Str(0), r.Str(1), r.Str(2), {}, {}, r.Int(3), r.Int(4)};
  g.policies = ReadPolicies(tx, PolicyOwner::kUserGroup, g.id);
  for (const Row& m : tx.Query("SELECT member_id FROM user_group_members WHERE user_group_id = ? "
                               "ORDER BY member_id",
                               {g.id})) {
    g.member_ids.push_back(m.Str(0));
  }
  return g;
}

}  // namespace

void Store::InsertUserGroup(Tx& tx, const UserGroup& g) {
  tx.Exec(
      "INSERT INTO user_groups (id, account_id, name, name_key, created_on, modified_on) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {g.id, g.account_id, g.name, ToLower(g.name), g.created_on, g.modified_on});
  ReplacePolicies(tx, PolicyOwner::kUserGroup, g.id, g.policies);
  SetUserGroupMembers(tx, g.id, g.member_ids, g.modified_on);  // logs the change
}

void Store::UpdateUserGroup(Tx& tx, const UserGroup& g) {
  tx.Exec("UPDATE user_groups SET name = ?, name_key = ?, modified_on = ? WHERE id = ?",
          {g.name, ToLower(g.name), g.modified_on, g.id});
  ReplacePolicies(tx, PolicyOwner::kUserGroup, g.id, g.policies);
  LogChange(tx, ChangeKind::kUserGroup, g.id, g.account_id);
}

std::optional<UserGroup> Store::GetUserGroup(Tx& tx, std::string_view account_id,
                                             std::string_view id) {
  auto rows = tx.Query("SELECT " + std::string(kColumns) + " WHERE g.account_id = ? AND g.id = ?",
                       {std::string(account_id), std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadGroup(tx, rows.front());
}

Page<UserGroup> Store::ListUserGroups(Tx& tx, const UserGroupQuery& q) {
  std::string where = " WHERE g.account_id = ?";
  Params params{q.account_id};
  if (q.id) {
    where += " AND g.id = ?";
    params.emplace_back(*q.id);
  }
  if (q.name) {
    where += " AND g.name_key = ?";
    params.emplace_back(ToLower(*q.name));
  }
  if (q.name_contains && MatchesNoText(*q.name_contains)) {
    where += " AND 0 = 1";
  } else if (q.name_contains) {
    where += " AND g.name_key LIKE ? ESCAPE '\\'";
    params.emplace_back(ContainsPattern(ToLower(*q.name_contains)));
  }
  Page<UserGroup> page;
  page.total = tx.Query("SELECT COUNT(*) FROM user_groups g" + where, params).front().Int(0);
  const std::string dir = q.descending ? " DESC" : " ASC";
  params.emplace_back(q.limit);
  params.emplace_back(q.offset);
  for (const Row& r : tx.Query("SELECT " + std::string(kColumns) + where + " ORDER BY g.name_key" +
                                   dir + ", g.id" + dir + " LIMIT ? OFFSET ?",
                               params)) {
    page.items.push_back(ReadGroup(tx, r));
  }
  return page;
}

bool Store::DeleteUserGroup(Tx& tx, std::string_view id) {
  LogUserGroup(tx, id);
  return tx.Exec("DELETE FROM user_groups WHERE id = ?", {std::string(id)}) > 0;
}

bool Store::UserGroupNameTaken(Tx& tx, std::string_view account_id, std::string_view name,
                               std::string_view except_id) {
  return !tx.Query("SELECT 1 FROM user_groups WHERE account_id = ? AND name_key = ? AND id <> ?",
                   {std::string(account_id), ToLower(name), std::string(except_id)})
              .empty();
}

void Store::SetUserGroupMembers(Tx& tx, std::string_view group_id,
                                const std::vector<std::string>& member_ids, Micros modified_on) {
  const std::string gid(group_id);
  tx.Exec("DELETE FROM user_group_members WHERE user_group_id = ?", {gid});
  for (const std::string& m : member_ids) {
    tx.Exec("INSERT INTO user_group_members (user_group_id, member_id) VALUES (?, ?)", {gid, m});
  }
  tx.Exec("UPDATE user_groups SET modified_on = ? WHERE id = ?", {modified_on, gid});
  LogUserGroup(tx, gid);
}

}  // namespace cfiam::store
