// Emulator support: the writes behind seeding and resetting a store (see
// docs/emulator.md). Portable SQL: ON CONFLICT upserts run on SQLite >= 3.24
// and PostgreSQL.
#include "store/store.h"
#include "util/clock.h"

namespace cfiam::store {

void Store::SeedUser(Tx& tx, const User& u) {
  tx.Exec(
      "INSERT INTO users (id, email, first_name, last_name, two_factor, tenant_admin, created_on) "
      "VALUES (?, ?, ?, ?, ?, 0, ?) "
      "ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, "
      "last_name = excluded.last_name, two_factor = excluded.two_factor",
      {u.id, u.email, u.first_name, u.last_name, std::int64_t{u.two_factor}, u.created_on});
  LogChange(tx, ChangeKind::kUser, u.id);
}

void Store::ResetToFresh(Tx& tx) {
  // The change log names what goes, set-based, before it goes: an account
  // entry covers everything under it.
  const Value now = NowMicros();
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'account', id, id, '', ? FROM accounts",
      {now});
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'user', id, '', '', ? FROM users WHERE tenant_admin = 0",
      {now});
  tx.Exec(
      "INSERT INTO change_log (kind, id, account_id, user_id, time) "
      "SELECT 'token', id, '', '', ? FROM tokens WHERE owner_kind <> 'user' OR name <> 'bootstrap'",
      {now});
  // Accounts first: their cascades remove members, policies, groups, account
  // tokens, subscriptions and SSO connectors.
  tx.Exec("DELETE FROM accounts");
  tx.Exec("DELETE FROM users WHERE tenant_admin = 0");
  tx.Exec("DELETE FROM tokens WHERE owner_kind <> 'user' OR name <> 'bootstrap'");
  tx.Exec("DELETE FROM audit_details");
  tx.Exec("DELETE FROM audit_log");
}

}  // namespace cfiam::store
