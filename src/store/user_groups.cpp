#include <unordered_map>

#include "store/list_counts.h"
#include "store/policies.h"
#include "store/seek.h"
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

// A page of groups with their policies and member ids in a fixed number of
// queries (not four per group).
std::vector<UserGroup> ReadGroups(Tx& tx, const std::vector<Row>& rows) {
  std::vector<UserGroup> out;
  out.reserve(rows.size());
  std::vector<std::string> ids;
  std::unordered_map<std::string, std::size_t> at;
  for (const Row& r : rows) {
    out.push_back({r.Str(0), r.Str(1), r.Str(2), {}, {}, r.Int(3), r.Int(4)});
    ids.push_back(out.back().id);
    at.emplace(out.back().id, out.size() - 1);
  }
  if (ids.empty()) return out;
  for (auto& [id, policies] : ReadPoliciesOf(tx, PolicyOwner::kUserGroup, ids)) {
    out[at.at(id)].policies = std::move(policies);
  }
  for (const Row& m : tx.Query("SELECT user_group_id, member_id FROM user_group_members "
                               "WHERE user_group_id IN (" +
                                   Placeholders(ids.size()) + ") ORDER BY user_group_id, member_id",
                               Params(ids.begin(), ids.end()))) {
    out[at.at(m.Str(0))].member_ids.push_back(m.Str(1));
  }
  return out;
}

}  // namespace

void Store::InsertUserGroup(Tx& tx, const UserGroup& g) {
  tx.Exec(
      "INSERT INTO user_groups (id, account_id, name, name_key, created_on, modified_on) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {g.id, g.account_id, g.name, ToLower(g.name), g.created_on, g.modified_on});
  AddCount(tx, g.account_id, "user_groups", 1);
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
  // Index user_groups_name (account_id, name_key, id) holds the order.
  OrderedList list{"user_groups g", " WHERE g.account_id = ?",
                   {q.account_id},  "g.name_key",
                   false,           q.descending,
                   "g.id",          q.descending};
  if (q.id) {
    list.where += " AND g.id = ?";
    list.params.emplace_back(*q.id);
  }
  if (q.name) {
    list.where += " AND g.name_key = ?";
    list.params.emplace_back(ToLower(*q.name));
  }
  if (q.name_contains && MatchesNoText(*q.name_contains)) {
    list.where += " AND 0 = 1";
  } else if (q.name_contains) {
    list.where += " AND g.name_key LIKE ? ESCAPE '\\'";
    list.params.emplace_back(ContainsPattern(ToLower(*q.name_contains)));
  }
  Page<UserGroup> page;
  // Unfiltered, the kept count; an id or exact name matches at most one row
  // (by a unique index); only a substring filter must count what it matches.
  page.total =
      q.id || q.name || q.name_contains
          ? tx.Query("SELECT COUNT(*) FROM user_groups g" + list.where, list.params).front().Int(0)
          : CountOf(tx, q.account_id, "user_groups");
  auto seek = SeekTo(tx, list, q.offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(q.limit);
  page.items = ReadGroups(tx, tx.Query("SELECT " + std::string(kColumns) + list.where +
                                           seek->first + OrderBy(list) + " LIMIT ?",
                                       params));
  return page;
}

bool Store::DeleteUserGroup(Tx& tx, std::string_view id) {
  const Params by_id{std::string(id)};
  for (const Row& r : tx.Query("SELECT account_id FROM user_groups WHERE id = ?", by_id)) {
    AddCount(tx, r.Str(0), "user_groups", -1);
  }
  DropCounts(tx, id);
  LogUserGroup(tx, id);
  return tx.Exec("DELETE FROM user_groups WHERE id = ?", by_id) > 0;
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
  // The group's row first: on PostgreSQL this row lock makes a concurrent
  // change of the same set wait and then fail as a serialization conflict
  // (which is retried), instead of racing on the member rows' unique key
  // (a 409). SQLite has one writer, so there the order changes nothing.
  tx.Exec("UPDATE user_groups SET modified_on = ? WHERE id = ?", {modified_on, gid});
  tx.Exec("DELETE FROM user_group_members WHERE user_group_id = ?", {gid});
  for (const std::string& m : member_ids) {
    // The member's email is the list's order (a missing member leaves it NULL
    // and the insert fails as the foreign key would).
    tx.Exec(
        "INSERT INTO user_group_members (user_group_id, member_id, member_email) "
        "VALUES (?, ?, (SELECT user_email FROM members WHERE id = ?))",
        {gid, m, m});
  }
  PutCount(tx, gid, "group_members", static_cast<std::int64_t>(member_ids.size()));
  LogUserGroup(tx, gid);
}

}  // namespace cfiam::store
