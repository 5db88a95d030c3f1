#include "store/store.h"
#include "util/clock.h"

namespace cfiam::store {
namespace {

constexpr std::string_view kUserColumns =
    "id, email, first_name, last_name, two_factor, tenant_admin, created_on";

User ReadUser(const Row& r) {
  User u;
  u.id = r.Str(0);
  u.email = r.Str(1);
  u.first_name = r.Str(2);
  u.last_name = r.Str(3);
  u.two_factor = r.Int(4) != 0;
  u.tenant_admin = r.Int(5) != 0;
  u.created_on = r.Int(6);
  return u;
}

std::optional<User> One(std::vector<Row> rows) {
  if (rows.empty()) return std::nullopt;
  return ReadUser(rows.front());
}

}  // namespace

std::optional<User> Store::GetUser(Tx& tx, std::string_view id) {
  return One(tx.Query("SELECT " + std::string(kUserColumns) + " FROM users WHERE id = ?",
                      {std::string(id)}));
}

std::optional<User> Store::FindUserByEmail(Tx& tx, std::string_view email) {
  return One(tx.Query("SELECT " + std::string(kUserColumns) + " FROM users WHERE email = ?",
                      {std::string(email)}));
}

void Store::InsertUser(Tx& tx, const User& u) {
  tx.Exec(
      "INSERT INTO users (id, email, first_name, last_name, two_factor, tenant_admin, created_on) "
      "VALUES (?, ?, ?, ?, ?, ?, ?)",
      {u.id, u.email, u.first_name, u.last_name, std::int64_t{u.two_factor},
       std::int64_t{u.tenant_admin}, u.created_on});
  // A new row: exactly `u`, and no API key.
  ChangeImage image;
  image.change.kind = ChangeKind::kUser;
  image.change.id = u.id;
  if (image_sink_) image.user = u;
  LogChangeWithImage(tx, std::move(image));
}

void Store::SetTenantAdmin(Tx& tx, std::string_view user_id, bool admin) {
  tx.Exec("UPDATE users SET tenant_admin = ? WHERE id = ?",
          {std::int64_t{admin}, std::string(user_id)});
  LogChange(tx, ChangeKind::kUser, user_id);
}

}  // namespace cfiam::store

namespace cfiam::store {

void Store::SetApiKeyDigest(Tx& tx, std::string_view user_id, std::string_view digest) {
  tx.Exec("UPDATE users SET api_key_digest = ? WHERE id = ?",
          {std::string(digest), std::string(user_id)});
  LogChange(tx, ChangeKind::kUser, user_id);
}

std::optional<std::string> Store::GetApiKeyDigest(Tx& tx, std::string_view user_id) {
  auto rows = tx.Query("SELECT api_key_digest FROM users WHERE id = ?", {std::string(user_id)});
  if (rows.empty() || rows.front().IsNull(0)) return std::nullopt;
  return rows.front().Str(0);
}

void Store::ClearApiKey(Tx& tx, std::string_view user_id) {
  tx.Exec("UPDATE users SET api_key_digest = NULL WHERE id = ?", {std::string(user_id)});
  LogChange(tx, ChangeKind::kUser, user_id);
}

}  // namespace cfiam::store

namespace cfiam::store {

bool Store::HasAnyUser(Tx& tx) { return !tx.Query("SELECT 1 FROM users LIMIT 1").empty(); }

}  // namespace cfiam::store

namespace cfiam::store {
namespace {

std::optional<std::string> OptStr(const Row& r, size_t i) {
  if (r.IsNull(i)) return std::nullopt;
  return r.Str(i);
}

Value OrNull(const std::optional<std::string>& s) { return s ? Value(*s) : Value(nullptr); }

}  // namespace

UserContact Store::GetUserContact(Tx& tx, std::string_view user_id) {
  UserContact c;
  auto rows = tx.Query("SELECT country, zipcode, telephone FROM users WHERE id = ?",
                       {std::string(user_id)});
  if (rows.empty()) return c;
  c.country = OptStr(rows.front(), 0);
  c.zipcode = OptStr(rows.front(), 1);
  c.telephone = OptStr(rows.front(), 2);
  return c;
}

void Store::UpdateUserDetails(Tx& tx, const User& u, const UserContact& c) {
  tx.Exec(
      "UPDATE users SET first_name = ?, last_name = ?, country = ?, zipcode = ?, telephone = ? "
      "WHERE id = ?",
      {u.first_name, u.last_name, OrNull(c.country), OrNull(c.zipcode), OrNull(c.telephone), u.id});
  // Members keep a copy of their user's names: the member lists' order.
  tx.Exec("UPDATE members SET user_first_name = ?, user_last_name = ? WHERE user_id = ?",
          {u.first_name, u.last_name, u.id});
  LogChange(tx, ChangeKind::kUser, u.id);
}

}  // namespace cfiam::store
