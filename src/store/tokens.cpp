#include <algorithm>

#include "store/list_counts.h"
#include "store/policies.h"
#include "store/seek.h"
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::store {
namespace {

// Written by InsertToken; last_used_on lives in token_last_used (migration 11;
// the tokens column of that name is no longer used).
constexpr std::string_view kInsertColumns =
    "id, owner_kind, user_id, account_id, name, secret_digest, status, not_before, expires_on, "
    "issued_on, modified_on, policies_json, condition_json";
// Read by ReadToken, in its order. A correlated subquery rather than a join:
// the list queries' seek clauses name tokens' columns unqualified.
constexpr std::string_view kTokenColumns =
    "id, owner_kind, user_id, account_id, name, secret_digest, status, not_before, expires_on, "
    "issued_on, modified_on, "
    "(SELECT u.last_used_on FROM token_last_used u WHERE u.token_id = tokens.id), "
    "policies_json, condition_json";

std::optional<Micros> OptTime(const Row& r, size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  return r.Int(i);
}

Value OptTime(const std::optional<Micros>& t) { return t ? Value(*t) : Value(nullptr); }

Token ReadToken(const Row& r) {
  Token t;
  t.id = r.Str(0);
  t.owner_kind = r.Str(1);
  t.user_id = r.Str(2);
  t.account_id = r.Str(3);
  t.name = r.Str(4);
  t.secret_digest = r.Str(5);
  t.status = r.Str(6);
  t.not_before = OptTime(r, 7);
  t.expires_on = OptTime(r, 8);
  t.issued_on = r.Int(9);
  t.modified_on = r.Int(10);
  t.last_used_on = OptTime(r, 11);
  t.policies_json = r.Str(12);
  t.condition_json = r.Str(13);
  return t;
}

Value OrNull(const std::string& s) { return s.empty() ? Value(nullptr) : Value(s); }

// The list_counts list and owner a token is counted under.
std::pair<std::string, std::string_view> CountedAs(const std::string& owner_kind,
                                                  const std::string& account_id,
                                                  const std::string& user_id) {
  if (owner_kind == "account") return {account_id, "account_tokens"};
  return {user_id, "user_tokens"};
}

// Uncounts the tokens a DELETE with this WHERE clause is about to remove.
void UncountTokens(Tx& tx, const std::string& where, const Params& params) {
  for (const Row& r : tx.Query("SELECT owner_kind, account_id, user_id, COUNT(*) FROM tokens "
                               "WHERE " +
                                   where + " GROUP BY owner_kind, account_id, user_id",
                               params)) {
    const auto [owner, list] = CountedAs(r.Str(0), r.Str(1), r.Str(2));
    AddCount(tx, owner, list, -r.Int(3));
  }
}

}  // namespace

void Store::InsertToken(Tx& tx, const Token& t) {
  tx.Exec("INSERT INTO tokens (" + std::string(kInsertColumns) +
              ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {t.id, t.owner_kind, OrNull(t.user_id), OrNull(t.account_id), t.name, t.secret_digest,
           t.status, OptTime(t.not_before), OptTime(t.expires_on), t.issued_on, t.modified_on,
           t.policies_json, t.condition_json});
  if (t.last_used_on) {
    tx.Exec("INSERT INTO token_last_used (token_id, last_used_on) VALUES (?, ?)",
            {t.id, *t.last_used_on});
  }
  const auto [owner, list] = CountedAs(t.owner_kind, t.account_id, t.user_id);
  AddCount(tx, owner, list, 1);
  LogChange(tx, ChangeKind::kToken, t.id, t.account_id, t.user_id);
}

std::optional<Token> Store::FindTokenByDigest(Tx& tx, std::string_view digest) {
  auto rows =
      tx.Query("SELECT " + std::string(kTokenColumns) + " FROM tokens WHERE secret_digest = ?",
               {std::string(digest)});
  if (rows.empty()) return std::nullopt;
  return ReadToken(rows.front());
}

std::vector<Token> Store::ListAllTokens(Tx& tx) {
  std::vector<Token> out;
  for (const Row& r : tx.Query("SELECT " + std::string(kTokenColumns) + " FROM tokens")) {
    out.push_back(ReadToken(r));
  }
  return out;
}

bool Store::DeleteToken(Tx& tx, std::string_view id) {
  UncountTokens(tx, "id = ?", {std::string(id)});
  if (tx.Exec("DELETE FROM tokens WHERE id = ?", {std::string(id)}) == 0) return false;
  LogChange(tx, ChangeKind::kToken, id);
  return true;
}

}  // namespace cfiam::store

namespace cfiam::store {

std::optional<Token> Store::GetToken(Tx& tx, std::string_view id) {
  auto rows = tx.Query("SELECT " + std::string(kTokenColumns) + " FROM tokens WHERE id = ?",
                       {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return ReadToken(rows.front());
}

std::optional<std::string> Store::GetTokenName(Tx& tx, std::string_view id) {
  auto rows = tx.Query("SELECT name FROM tokens WHERE id = ?", {std::string(id)});
  if (rows.empty()) return std::nullopt;
  return rows.front().Str(0);
}

void Store::UpdateToken(Tx& tx, const Token& t) {
  tx.Exec(
      "UPDATE tokens SET name = ?, secret_digest = ?, status = ?, not_before = ?, expires_on = ?, "
      "modified_on = ?, policies_json = ?, condition_json = ? WHERE id = ?",
      {t.name, t.secret_digest, t.status, OptTime(t.not_before), OptTime(t.expires_on),
       t.modified_on, t.policies_json, t.condition_json, t.id});
  LogChange(tx, ChangeKind::kToken, t.id, t.account_id, t.user_id);
}

namespace {

// The WHERE clause that picks the tokens of one owner ("account" or "user").
std::string OwnerFilter(std::string_view owner_kind) {
  return owner_kind == "account" ? "owner_kind = 'account' AND account_id = ?"
                                 : "owner_kind = 'user' AND user_id = ?";
}

}  // namespace

Page<Token> Store::ListTokensOf(Tx& tx, std::string_view owner_kind, std::string_view owner_id,
                                bool descending, std::int64_t limit, std::int64_t offset) {
  // Indexes tokens_account / tokens_user: (owner, owner_kind, issued_on, id).
  const OrderedList list{"tokens",   " WHERE " + OwnerFilter(owner_kind), {std::string(owner_id)},
                         "issued_on", true,       descending,
                         "id",       descending};
  Page<Token> page;
  page.total = CountTokensOf(tx, owner_kind, owner_id);
  auto seek = SeekTo(tx, list, offset, seeks_.get());
  if (!seek) return page;
  Params params = list.params;
  params.insert(params.end(), seek->second.begin(), seek->second.end());
  params.emplace_back(limit);
  for (const Row& r : tx.Query("SELECT " + std::string(kTokenColumns) + " FROM tokens" +
                                   list.where + seek->first + OrderBy(list) + " LIMIT ?",
                               params)) {
    page.items.push_back(ReadToken(r));
  }
  return page;
}

std::int64_t Store::CountTokensOf(Tx& tx, std::string_view owner_kind, std::string_view owner_id) {
  return CountOf(tx, owner_id, owner_kind == "account" ? "account_tokens" : "user_tokens");
}

Page<Token> Store::ListAccountTokens(Tx& tx, std::string_view account_id, bool descending,
                                     std::int64_t limit, std::int64_t offset) {
  return ListTokensOf(tx, "account", account_id, descending, limit, offset);
}

std::int64_t Store::CountAccountTokens(Tx& tx, std::string_view account_id) {
  return CountTokensOf(tx, "account", account_id);
}

void Store::SetTokensLastUsed(Tx& tx, const std::vector<std::pair<std::string, Micros>>& uses) {
  // Set-based: a flush of N uses is N / kLastUsedChunk statements (and at
  // most nine more), not N.
  // An upsert into the narrow token_last_used (a few pages per chunk) rather
  // than an UPDATE of the wide tokens rows (a page per use). The join drops
  // tokens deleted since their use (the foreign key would refuse them); the
  // guard keeps a later time already stored (another node's, or a restart's).
  // SQLite needs the WHERE to parse ON CONFLICT after a join.
  //
  // Chunks are kLastUsedChunk rows, then powers of two for the rest: the
  // statement text depends only on its row count, and each engine keeps a
  // prepared statement per text, so arbitrary remainders would prepare (and
  // keep) a new 1,000-parameter statement at almost every flush.
  for (std::size_t start = 0, n = 0; start < uses.size(); start += n) {
    const std::size_t left = uses.size() - start;
    n = kLastUsedChunk;
    if (left < n) {
      n = 1;
      while (n * 2 <= left) n *= 2;
    }
    std::string sql = "WITH v(id, t) AS (VALUES ";
    Params params;
    params.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
      // The cast types the column where PostgreSQL cannot infer it.
      sql += i ? ", (?, CAST(? AS BIGINT))" : "(?, CAST(? AS BIGINT))";
      params.emplace_back(uses[start + i].first);
      params.emplace_back(uses[start + i].second);
    }
    sql +=
        ") INSERT INTO token_last_used (token_id, last_used_on) "
        "SELECT v.id, v.t FROM v JOIN tokens ON tokens.id = v.id WHERE true "
        "ON CONFLICT (token_id) DO UPDATE SET last_used_on = excluded.last_used_on "
        "WHERE token_last_used.last_used_on < excluded.last_used_on";
    tx.Exec(sql, params);
  }
}

void Store::DeleteUnrecordedBootstrapTokens(Tx& tx, std::string_view keep_id) {
  const std::string where =
      "owner_kind = 'user' AND name = 'bootstrap' AND policies_json = '[]' AND id <> ?";
  UncountTokens(tx, where, {std::string(keep_id)});
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'token', id, '', COALESCE(user_id, ''), ? FROM tokens WHERE " + where,
      {NowMicros(), std::string(keep_id)});
  tx.Exec("DELETE FROM tokens WHERE " + where, {std::string(keep_id)});
}

}  // namespace cfiam::store

namespace cfiam::store {

std::unordered_map<std::string, Micros> Store::TokensLastUsed(Tx& tx,
                                                              const std::vector<std::string>& ids) {
  // The same source as kTokenColumns' last_used_on subquery.
  std::unordered_map<std::string, Micros> out;
  if (ids.empty()) return out;
  for (const Row& r : tx.Query("SELECT token_id, last_used_on FROM token_last_used WHERE token_id "
                               "IN (" +
                                   Placeholders(ids.size()) + ")",
                               Params(ids.begin(), ids.end()))) {
    if (!r.IsNull(1)) out.emplace(r.Str(0), r.Int(1));
  }
  return out;
}

}  // namespace cfiam::store
