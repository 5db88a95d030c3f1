#include <unordered_map>

#include "store/policies.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kMemberColumns = "m.id, m.account_id, m.user_id, m.status, m.created_on";
constexpr std::string_view kUserColumns =
    "u.id, u.email, u.first_name, u.last_name, u.two_factor, u.tenant_admin, u.created_on";

Member ReadMemberRow(const Row& r) {
  Member m;
  m.id = r.Str(0);
  m.account_id = r.Str(1);
  m.user_id = r.Str(2);
  m.status = r.Str(3);
  m.created_on = r.Int(4);
  return m;
}

User ReadUserAt(const Row& r, size_t i) {
  return User{r.Str(i),          r.Str(i + 1),      r.Str(i + 2), r.Str(i + 3),
              r.Int(i + 4) != 0, r.Int(i + 5) != 0, r.Int(i + 6)};
}

// Fills roles and policies of a member read without them.
void FillGrants(Tx& tx, Member& m) {
  for (const Row& r :
       tx.Query("SELECT role_id FROM member_roles WHERE member_id = ? ORDER BY role_id", {m.id})) {
    m.role_ids.push_back(r.Str(0));
  }
  m.policies = ReadPolicies(tx, PolicyOwner::kMember, m.id);
}

// Fills roles and policies of a page of members in a fixed number of queries.
void FillGrantsOf(Tx& tx, std::vector<Member*> members) {
  if (members.empty()) return;
  std::vector<std::string> ids;
  std::unordered_map<std::string, Member*> by_id;
  for (Member* m : members) {
    ids.push_back(m->id);
    by_id.emplace(m->id, m);
  }
  const Params params(ids.begin(), ids.end());
  for (const Row& r : tx.Query("SELECT member_id, role_id FROM member_roles WHERE member_id IN (" +
                                   Placeholders(ids.size()) + ") ORDER BY member_id, role_id",
                               params)) {
    by_id.at(r.Str(0))->role_ids.push_back(r.Str(1));
  }
  for (auto& [id, policies] : ReadPoliciesOf(tx, PolicyOwner::kMember, ids)) {
    by_id.at(id)->policies = std::move(policies);
  }
}

std::optional<Member> OneMember(Tx& tx, std::vector<Row> rows) {
  if (rows.empty()) return std::nullopt;
  Member m = ReadMemberRow(rows.front());
  FillGrants(tx, m);
  return m;
}

void WriteRoles(Tx& tx, const Member& m) {
  tx.Exec("DELETE FROM member_roles WHERE member_id = ?", {m.id});
  for (const std::string& role : m.role_ids) {
    tx.Exec("INSERT INTO member_roles (member_id, role_id) VALUES (?, ?)", {m.id, role});
  }
}

}  // namespace

void Store::InsertMember(Tx& tx, const Member& m) {
  tx.Exec(
      "INSERT INTO members (id, account_id, user_id, status, created_on) VALUES (?, ?, ?, ?, ?)",
      {m.id, m.account_id, m.user_id, m.status, m.created_on});
  WriteRoles(tx, m);
  if (!m.policies.empty()) ReplacePolicies(tx, PolicyOwner::kMember, m.id, m.policies);
  LogChange(tx, ChangeKind::kMember, m.id, m.account_id, m.user_id);
}

std::optional<Member> Store::FindMember(Tx& tx, std::string_view account_id,
                                        std::string_view user_id) {
  return OneMember(tx, tx.Query("SELECT " + std::string(kMemberColumns) +
                                    " FROM members m WHERE m.account_id = ? AND m.user_id = ?",
                                {std::string(account_id), std::string(user_id)}));
}

std::optional<Member> Store::GetMember(Tx& tx, std::string_view member_id) {
  return OneMember(
      tx, tx.Query("SELECT " + std::string(kMemberColumns) + " FROM members m WHERE m.id = ?",
                   {std::string(member_id)}));
}

void Store::UpdateMember(Tx& tx, const Member& m) {
  tx.Exec("UPDATE members SET status = ? WHERE id = ?", {m.status, m.id});
  WriteRoles(tx, m);
  ReplacePolicies(tx, PolicyOwner::kMember, m.id, m.policies);
  LogChange(tx, ChangeKind::kMember, m.id, m.account_id, m.user_id);
}

bool Store::DeleteMember(Tx& tx, std::string_view member_id) {
  // Logged first: the entry names the (account, user) pair the row held.
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'member', id, account_id, user_id, ? FROM members WHERE id = ?",
      {NowMicros(), std::string(member_id)});
  return tx.Exec("DELETE FROM members WHERE id = ?", {std::string(member_id)}) > 0;
}

Page<MemberWithUser> Store::ListMembers(Tx& tx, const MemberQuery& q) {
  std::string where = " WHERE m.account_id = ?";
  Params params{q.account_id};
  if (q.status) {
    where += " AND m.status = ?";
    params.emplace_back(*q.status);
  }
  Page<MemberWithUser> page;
  page.total = tx.Query("SELECT COUNT(*) FROM members m" + where, params).front().Int(0);
  // The order column comes from a fixed list, never from the client's text.
  std::string column = "m.created_on";
  if (q.order == "user.first_name") column = "u.first_name";
  if (q.order == "user.last_name") column = "u.last_name";
  if (q.order == "user.email") column = "u.email";
  if (q.order == "status") column = "m.status";
  const std::string dir = q.descending ? " DESC" : " ASC";
  params.emplace_back(q.limit);
  params.emplace_back(q.offset);
  for (const Row& r :
       tx.Query("SELECT " + std::string(kMemberColumns) + ", " + std::string(kUserColumns) +
                    " FROM members m JOIN users u ON u.id = m.user_id" + where + " ORDER BY " +
                    column + dir + ", m.id" + dir + " LIMIT ? OFFSET ?",
                params)) {
    page.items.push_back({ReadMemberRow(r), ReadUserAt(r, 5)});
  }
  std::vector<Member*> members;
  for (MemberWithUser& mu : page.items) members.push_back(&mu.member);
  FillGrantsOf(tx, std::move(members));
  return page;
}

std::vector<std::string> Store::AcceptedHolderCandidates(Tx& tx, std::string_view account_id,
                                                         std::string_view role_id) {
  const std::string role(role_id);
  std::vector<std::string> users;
  for (const Row& row : tx.Query(
           "SELECT m.user_id FROM members m WHERE m.account_id = ? AND m.status = 'accepted' AND ("
           "EXISTS (SELECT 1 FROM member_roles r WHERE r.member_id = m.id AND r.role_id = ?) OR "
           "EXISTS (SELECT 1 FROM policies p JOIN policy_permission_groups g ON g.policy_id = p.id "
           "WHERE p.member_id = m.id AND p.access = 'allow' AND g.permission_group_id = ?) OR "
           "EXISTS (SELECT 1 FROM user_group_members ugm JOIN policies p "
           "ON p.user_group_id = ugm.user_group_id JOIN policy_permission_groups g "
           "ON g.policy_id = p.id WHERE ugm.member_id = m.id AND p.access = 'allow' "
           "AND g.permission_group_id = ?))",
           {std::string(account_id), role, role, role})) {
    users.push_back(row.Str(0));
  }
  return users;
}

Page<Member> Store::ListMembershipsOfUser(Tx& tx, std::string_view user_id,
                                          const std::optional<std::string>& status,
                                          std::int64_t limit, std::int64_t offset) {
  std::string where = " WHERE m.user_id = ?";
  Params params{std::string(user_id)};
  if (status) {
    where += " AND m.status = ?";
    params.emplace_back(*status);
  }
  Page<Member> page;
  page.total = tx.Query("SELECT COUNT(*) FROM members m" + where, params).front().Int(0);
  params.emplace_back(limit);
  params.emplace_back(offset);
  for (const Row& r : tx.Query("SELECT " + std::string(kMemberColumns) + " FROM members m" + where +
                                   " ORDER BY m.created_on DESC, m.id LIMIT ? OFFSET ?",
                               params)) {
    page.items.push_back(ReadMemberRow(r));
  }
  std::vector<Member*> members;
  for (Member& m : page.items) members.push_back(&m);
  FillGrantsOf(tx, std::move(members));
  return page;
}

Page<MemberWithUser> Store::ListUserGroupMembers(Tx& tx, std::string_view group_id, bool descending,
                                                 std::int64_t limit, std::int64_t offset) {
  const Params by_group{std::string(group_id)};
  Page<MemberWithUser> page;
  page.total = tx.Query("SELECT COUNT(*) FROM user_group_members WHERE user_group_id = ?", by_group)
                   .front()
                   .Int(0);
  const std::string dir = descending ? " DESC" : " ASC";
  for (const Row& r :
       tx.Query("SELECT " + std::string(kMemberColumns) + ", " + std::string(kUserColumns) +
                    " FROM user_group_members g JOIN members m ON m.id = g.member_id"
                    " JOIN users u ON u.id = m.user_id WHERE g.user_group_id = ?"
                    " ORDER BY u.email" +
                    dir + ", m.id LIMIT ? OFFSET ?",
                {std::string(group_id), limit, offset})) {
    page.items.push_back({ReadMemberRow(r), ReadUserAt(r, 5)});
  }
  return page;
}

std::vector<std::string> Store::UserGroupsOfMember(Tx& tx, std::string_view member_id) {
  std::vector<std::string> out;
  for (const Row& r : tx.Query("SELECT user_group_id FROM user_group_members WHERE member_id = ?",
                               {std::string(member_id)})) {
    out.push_back(r.Str(0));
  }
  return out;
}

}  // namespace cfiam::store
