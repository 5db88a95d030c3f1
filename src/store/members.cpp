#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "store/list_counts.h"
#include "store/policies.h"
#include "store/seek.h"
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

void InsertRoles(Tx& tx, const Member& m) {
  for (const std::string& role : m.role_ids) {
    tx.Exec("INSERT INTO member_roles (member_id, role_id) VALUES (?, ?)", {m.id, role});
  }
}

void WriteRoles(Tx& tx, const Member& m) {
  tx.Exec("DELETE FROM member_roles WHERE member_id = ?", {m.id});
  for (const std::string& role : m.role_ids) {
    tx.Exec("INSERT INTO member_roles (member_id, role_id) VALUES (?, ?)", {m.id, role});
  }
}

}  // namespace

void Store::InsertMember(Tx& tx, const Member& m) {
  // The user's sort keys are copied from the user row (a missing user leaves
  // them NULL and the insert fails as the foreign key would).
  tx.Exec(
      "INSERT INTO members (id, account_id, user_id, status, created_on, user_email, "
      "user_first_name, user_last_name) VALUES (?, ?, ?, ?, ?, "
      "(SELECT email FROM users WHERE id = ?), (SELECT first_name FROM users WHERE id = ?), "
      "(SELECT last_name FROM users WHERE id = ?))",
      {m.id, m.account_id, m.user_id, m.status, m.created_on, m.user_id, m.user_id, m.user_id});
  InsertMemberRest(tx, m);
}

void Store::InsertMember(Tx& tx, const Member& m, const User& user) {
  // The caller has the user row: three lookups of it fewer (an eighth of
  // the insert). A missing user still fails, on the foreign key.
  if (user.id != m.user_id) throw std::logic_error("InsertMember: the member's user is another");
  tx.Exec(
      "INSERT INTO members (id, account_id, user_id, status, created_on, user_email, "
      "user_first_name, user_last_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      {m.id, m.account_id, m.user_id, m.status, m.created_on, user.email, user.first_name,
       user.last_name});
  InsertMemberRest(tx, m);
}

void Store::InsertMemberRest(Tx& tx, const Member& m) {
  CountMember(tx, m.account_id, m.status, 1);
  InsertRoles(tx, m);  // a new member has none to replace
  if (!m.policies.empty()) ReplacePolicies(tx, PolicyOwner::kMember, m.id, m.policies);
  ChangeImage image;
  image.change = {0, ChangeKind::kMember, m.id, m.account_id, m.user_id};
  // The new row reads back as `m` with its roles in the store's order: byte
  // order on SQLite; PostgreSQL sorts by its collation, so there only a
  // single role is known to read back in the same order. Policies read back
  // with what ReplacePolicies made of them: no image then.
  const bool byte_order = dialect() == Dialect::kSqlite || m.role_ids.size() <= 1;
  if (image_sink_ && m.policies.empty() && byte_order) {
    image.member = m;
    std::sort(image.member->role_ids.begin(), image.member->role_ids.end());
  }
  LogChangeWithImage(tx, std::move(image));
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
  for (const Row& r : tx.Query("SELECT account_id, status FROM members WHERE id = ?", {m.id})) {
    if (r.Str(1) == m.status) continue;
    CountMember(tx, r.Str(0), r.Str(1), -1);
    CountMember(tx, r.Str(0), m.status, 1);
  }
  tx.Exec("UPDATE members SET status = ? WHERE id = ?", {m.status, m.id});
  WriteRoles(tx, m);
  ReplacePolicies(tx, PolicyOwner::kMember, m.id, m.policies);
  LogChange(tx, ChangeKind::kMember, m.id, m.account_id, m.user_id);
}

bool Store::DeleteMember(Tx& tx, std::string_view member_id) {
  const Params by_id{std::string(member_id)};
  for (const Row& r : tx.Query("SELECT account_id, status FROM members WHERE id = ?", by_id)) {
    CountMember(tx, r.Str(0), r.Str(1), -1);
  }
  // The cascade removes it from its user groups.
  tx.Exec(
      "UPDATE list_counts SET n = n - 1 WHERE list = 'group_members' AND owner_id IN "
      "(SELECT user_group_id FROM user_group_members WHERE member_id = ?)",
      by_id);
  // Logged first: the entry names the (account, user) pair the row held.
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'member', id, account_id, user_id, ? FROM members WHERE id = ?",
      {NowMicros(), std::string(member_id)});
  return tx.Exec("DELETE FROM members WHERE id = ?", by_id) > 0;
}

MemberWithUser Store::WithUser(Tx& tx, Member member) {
  auto user = GetUser(tx, member.user_id);
  return {std::move(member), user.value_or(User{})};
}

Page<MemberWithUser> Store::ListMembers(Tx& tx, const MemberQuery& q) {
  OrderedList list;
  list.from = "members m";
  list.where = " WHERE m.account_id = ?";
  list.params = {q.account_id};
  if (q.status) {
    list.where += " AND m.status = ?";
    list.params.emplace_back(*q.status);
  }
  // The order column comes from a fixed list, never from the client's text;
  // each has an index (account_id[, status], column, id), see migration 7.
  list.key = "m.created_on";
  list.key_is_int = true;
  if (q.order == "user.first_name" || q.order == "user.last_name" || q.order == "user.email" ||
      q.order == "status") {
    list.key = q.order == "status" ? "m.status" : "m.user_" + q.order.substr(5);
    list.key_is_int = false;
  }
  list.key_desc = list.id_desc = q.descending;
  list.id = "m.id";
  Page<MemberWithUser> page;
  page.total = CountOf(tx, q.account_id, q.status ? "members:" + *q.status : "members");
  auto seek = SeekTo(tx, list, q.offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(q.limit);
  for (const Row& r :
       tx.Query("SELECT " + std::string(kMemberColumns) + ", " + std::string(kUserColumns) +
                    " FROM members m JOIN users u ON u.id = m.user_id" + list.where + seek->first +
                    OrderBy(list) + " LIMIT ?",
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
  // Newest first, ties by id ascending: index members_user (user_id,
  // created_on DESC, id).
  OrderedList list{"members m", " WHERE m.user_id = ?", {std::string(user_id)}, "m.created_on",
                   true, true, "m.id", false};
  if (status) {
    list.where += " AND m.status = ?";
    list.params.emplace_back(*status);
  }
  Page<Member> page;
  // Not kept (see store/list_counts.h): a user's rows of index members_user.
  page.total = tx.Query("SELECT COUNT(*) FROM members m" + list.where, list.params).front().Int(0);
  auto seek = SeekTo(tx, list, offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(limit);
  for (const Row& r : tx.Query("SELECT " + std::string(kMemberColumns) + " FROM members m" +
                                   list.where + seek->first + OrderBy(list) + " LIMIT ?",
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
  // By email: a group's members are distinct users of one account, so emails
  // are unique in it and the id tie-break never applies (its direction, once
  // fixed ascending, cannot change the order). Index user_group_members_email.
  OrderedList list{"user_group_members g",
                   " WHERE g.user_group_id = ?",
                   {std::string(group_id)},
                   "g.member_email",
                   false,
                   descending,
                   "g.member_id",
                   descending};
  Page<MemberWithUser> page;
  page.total = CountOf(tx, group_id, "group_members");
  auto seek = SeekTo(tx, list, offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(limit);
  for (const Row& r :
       tx.Query("SELECT " + std::string(kMemberColumns) + ", " + std::string(kUserColumns) +
                    " FROM user_group_members g JOIN members m ON m.id = g.member_id"
                    " JOIN users u ON u.id = m.user_id" +
                    list.where + seek->first + OrderBy(list) + " LIMIT ?",
                params)) {
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
