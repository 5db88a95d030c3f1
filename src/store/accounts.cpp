#include "store/list_counts.h"
#include "store/seek.h"
#include "store/sql_text.h"
#include "store/store.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kAccountColumns =
    "a.id, a.name, a.type, a.abuse_contact_email, a.enforce_twofactor, a.parent_org_id, "
    "a.parent_org_name, a.unit_id, a.created_on";

std::optional<std::string> OptStr(const Row& r, size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  return r.Str(i);
}

Account ReadAccount(const Row& r) {
  Account a;
  a.id = r.Str(0);
  a.name = r.Str(1);
  a.type = r.Str(2);
  a.abuse_contact_email = OptStr(r, 3);
  a.enforce_twofactor = r.Int(4) != 0;
  a.parent_org_id = OptStr(r, 5);
  a.parent_org_name = OptStr(r, 6);
  a.unit_id = OptStr(r, 7);
  a.created_on = r.Int(8);
  return a;
}

Value Opt(const std::optional<std::string>& s) { return s ? Value(*s) : Value(nullptr); }

}  // namespace

std::optional<Account> Store::GetAccount(Tx& tx, std::string_view id) {
  auto rows = tx.Query("SELECT " + std::string(kAccountColumns) + " FROM accounts a WHERE a.id = ?",
                       {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadAccount(rows.front());
}

void Store::InsertAccount(Tx& tx, const Account& a) {
  tx.Exec(
      "INSERT INTO accounts (id, name, type, abuse_contact_email, enforce_twofactor, "
      "parent_org_id, parent_org_name, unit_id, created_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {a.id, a.name, a.type, Opt(a.abuse_contact_email), std::int64_t{a.enforce_twofactor},
       Opt(a.parent_org_id), Opt(a.parent_org_name), Opt(a.unit_id), a.created_on});
  AddCount(tx, "", "accounts", 1);
  LogChange(tx, ChangeKind::kAccount, a.id, a.id);
}

void Store::UpdateAccount(Tx& tx, const Account& a) {
  tx.Exec(
      "UPDATE accounts SET name = ?, type = ?, abuse_contact_email = ?, enforce_twofactor = ?, "
      "parent_org_id = ?, parent_org_name = ?, unit_id = ? WHERE id = ?",
      {a.name, a.type, Opt(a.abuse_contact_email), std::int64_t{a.enforce_twofactor},
       Opt(a.parent_org_id), Opt(a.parent_org_name), Opt(a.unit_id), a.id});
  LogChange(tx, ChangeKind::kAccount, a.id, a.id);
}

bool Store::DeleteAccount(Tx& tx, std::string_view id) {
  const Params by_id{std::string(id)};
  if (tx.Query("SELECT 1 FROM accounts WHERE id = ?", by_id).empty()) return false;
  // Drop the lists the account and its groups own (the rows go by cascade).
  tx.Exec(
      "DELETE FROM list_counts WHERE owner_id IN (SELECT id FROM user_groups WHERE account_id = ?)",
      by_id);
  DropCounts(tx, id);
  AddCount(tx, "", "accounts", -1);
  // One entry: erasing the account from memory erases everything under it,
  // as the foreign keys' cascades do here.
  if (tx.Exec("DELETE FROM accounts WHERE id = ?", by_id) == 0) return false;
  LogChange(tx, ChangeKind::kAccount, id, id);
  return true;
}

Page<Account> Store::ListAccounts(Tx& tx, const AccountQuery& q) {
  // By name: index accounts_name (name, id) holds the order.
  OrderedList list{"accounts a", " WHERE 1 = 1", {},     "a.name",
                   false,        q.descending,   "a.id", q.descending};
  if (q.member_user_id) {
    list.where +=
        " AND a.id IN (SELECT m.account_id FROM members m WHERE m.user_id = ? AND m.status = "
        "'accepted')";
    list.params.emplace_back(*q.member_user_id);
  }
  if (q.only_ids) {
    std::string marks;
    for (const std::string& id : *q.only_ids) {
      marks += marks.empty() ? "?" : ", ?";
      list.params.emplace_back(id);
    }
    list.where += marks.empty() ? " AND 0 = 1" : " AND a.id IN (" + marks + ")";
  }
  if (MatchesNoText(q.name_contains)) {
    list.where += " AND 0 = 1";
  } else if (!q.name_contains.empty()) {
    list.where += " AND LOWER(a.name) LIKE LOWER(?) ESCAPE '\\'";
    list.params.emplace_back(ContainsPattern(q.name_contains));
  }
  Page<Account> page;
  // Every account: the kept count. A user's accounts (their memberships, few),
  // a token's id list or a name substring: counted over what they match.
  page.total =
      q.member_user_id || q.only_ids || !q.name_contains.empty()
          ? tx.Query("SELECT COUNT(*) FROM accounts a" + list.where, list.params).front().Int(0)
          : CountOf(tx, "", "accounts");
  auto seek = SeekTo(tx, list, q.offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(q.limit);
  for (const Row& r : tx.Query("SELECT " + std::string(kAccountColumns) + " FROM accounts a" +
                                   list.where + seek->first + OrderBy(list) + " LIMIT ?",
                               params)) {
    page.items.push_back(ReadAccount(r));
  }
  return page;
}

}  // namespace cfiam::store
