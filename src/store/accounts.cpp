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
  // One entry: erasing the account from memory erases everything under it,
  // as the foreign keys' cascades do here.
  if (tx.Exec("DELETE FROM accounts WHERE id = ?", {std::string(id)}) == 0) return false;
  LogChange(tx, ChangeKind::kAccount, id, id);
  return true;
}

Page<Account> Store::ListAccounts(Tx& tx, const AccountQuery& q) {
  std::string where = " WHERE 1 = 1";
  Params params;
  if (q.member_user_id) {
    where +=
        " AND a.id IN (SELECT m.account_id FROM members m WHERE m.user_id = ? AND m.status = "
        "'accepted')";
    params.emplace_back(*q.member_user_id);
  }
  if (q.only_ids) {
    std::string marks;
    for (const std::string& id : *q.only_ids) {
      marks += marks.empty() ? "?" : ", ?";
      params.emplace_back(id);
    }
    where += marks.empty() ? " AND 0 = 1" : " AND a.id IN (" + marks + ")";
  }
  if (MatchesNoText(q.name_contains)) {
    where += " AND 0 = 1";
  } else if (!q.name_contains.empty()) {
    where += " AND LOWER(a.name) LIKE LOWER(?) ESCAPE '\\'";
    params.emplace_back(ContainsPattern(q.name_contains));
  }
  Page<Account> page;
  page.total = tx.Query("SELECT COUNT(*) FROM accounts a" + where, params).front().Int(0);
  const std::string order =
      q.descending ? " ORDER BY a.name DESC, a.id DESC" : " ORDER BY a.name ASC, a.id ASC";
  params.emplace_back(q.limit);
  params.emplace_back(q.offset);
  for (const Row& r : tx.Query("SELECT " + std::string(kAccountColumns) + " FROM accounts a" +
                                   where + order + " LIMIT ? OFFSET ?",
                               params)) {
    page.items.push_back(ReadAccount(r));
  }
  return page;
}

}  // namespace cfiam::store
