#include "store/migrations.h"

#include <string_view>

#include "obs/log.h"
#include "util/clock.h"

namespace cfiam::store {
namespace {

// One statement; `postgres` replaces `sql` on PostgreSQL when set (rarely:
// only where the portable spelling does not exist).
struct Statement {
  constexpr Statement() = default;
  template <std::size_t N>
  constexpr Statement(const char (&s)[N]) : sql(s, N - 1) {}  // NOLINT: most are portable
  template <std::size_t N, std::size_t M>
  constexpr Statement(const char (&s)[N], const char (&pg)[M])
      : sql(s, N - 1), postgres(pg, M - 1) {}
  std::string_view For(Dialect d) const {
    if (d != Dialect::kPostgres) return sql;
    if (!postgres.empty()) return postgres;
    // SQLite's clustered tables are plain heaps on PostgreSQL.
    constexpr std::string_view kClustered = " WITHOUT ROWID";
    return sql.ends_with(kClustered) ? sql.substr(0, sql.size() - kClustered.size()) : sql;
  }
  std::string_view sql;
  std::string_view postgres;
};

struct Migration {
  int version;
  Statement statements[40];
};

// Arbitrary, fixed: the PostgreSQL advisory lock every node takes before
// looking at schema_migrations, so nodes starting together migrate once.
constexpr std::int64_t kMigrationLock = 0x6366'6961'6d00'0001;  // "cfiam" 1
// The change log's (0x6366'6961'6d00'0002) is spelled out in migration 6.

// Portable SQL (SQLite and PostgreSQL): TEXT ids, BIGINT microsecond
// timestamps, INTEGER 0/1 booleans; a per-dialect variant only where needed.
constexpr Migration kMigrations[] = {
    {1,
     {
         R"(CREATE TABLE users (
              id TEXT PRIMARY KEY,
              email TEXT NOT NULL UNIQUE,
              first_name TEXT NOT NULL DEFAULT '',
              last_name TEXT NOT NULL DEFAULT '',
              two_factor INTEGER NOT NULL DEFAULT 0,
              tenant_admin INTEGER NOT NULL DEFAULT 0,
              api_key_digest TEXT UNIQUE,
              created_on BIGINT NOT NULL))",
         R"(CREATE TABLE accounts (
              id TEXT PRIMARY KEY,
              name TEXT NOT NULL,
              type TEXT NOT NULL,
              abuse_contact_email TEXT,
              enforce_twofactor INTEGER NOT NULL DEFAULT 0,
              parent_org_id TEXT,
              parent_org_name TEXT,
              unit_id TEXT,
              created_on BIGINT NOT NULL))",
         "CREATE INDEX accounts_name ON accounts (name, id)",
         R"(CREATE TABLE members (
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
              status TEXT NOT NULL,
              created_on BIGINT NOT NULL,
              UNIQUE (account_id, user_id)))",
         "CREATE INDEX members_user ON members (user_id)",
         R"(CREATE TABLE member_roles (
              member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
              role_id TEXT NOT NULL,
              PRIMARY KEY (member_id, role_id)))",
         R"(CREATE TABLE tokens (
              id TEXT PRIMARY KEY,
              owner_kind TEXT NOT NULL,
              user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
              account_id TEXT REFERENCES accounts(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              secret_digest TEXT NOT NULL UNIQUE,
              status TEXT NOT NULL,
              not_before BIGINT,
              expires_on BIGINT,
              issued_on BIGINT NOT NULL,
              modified_on BIGINT NOT NULL,
              last_used_on BIGINT,
              policies_json TEXT NOT NULL,
              condition_json TEXT NOT NULL))",
         "CREATE INDEX tokens_account ON tokens (account_id)",
         "CREATE INDEX tokens_user ON tokens (user_id)",
     }},
    // Issue 3: IAM resource groups, user groups and policies. A policy belongs
    // to exactly one member or one user group; every reference cascades so
    // deleting an account, member or group removes it in one transaction.
    {2,
     {
         R"(CREATE TABLE resource_groups (
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              name_key TEXT NOT NULL,
              scope_key TEXT NOT NULL,
              created_on BIGINT NOT NULL,
              modified_on BIGINT NOT NULL,
              UNIQUE (account_id, name_key)))",
         R"(CREATE TABLE resource_group_objects (
              resource_group_id TEXT NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
              position INTEGER NOT NULL,
              object_key TEXT NOT NULL,
              PRIMARY KEY (resource_group_id, position)))",
         R"(CREATE TABLE user_groups (
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              name TEXT NOT NULL,
              name_key TEXT NOT NULL,
              created_on BIGINT NOT NULL,
              modified_on BIGINT NOT NULL,
              UNIQUE (account_id, name_key)))",
         "CREATE INDEX user_groups_name ON user_groups (account_id, name_key, id)",
         R"(CREATE TABLE user_group_members (
              user_group_id TEXT NOT NULL REFERENCES user_groups(id) ON DELETE CASCADE,
              member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
              PRIMARY KEY (user_group_id, member_id)))",
         "CREATE INDEX user_group_members_member ON user_group_members (member_id)",
         R"(CREATE TABLE policies (
              id TEXT PRIMARY KEY,
              member_id TEXT REFERENCES members(id) ON DELETE CASCADE,
              user_group_id TEXT REFERENCES user_groups(id) ON DELETE CASCADE,
              position INTEGER NOT NULL,
              access TEXT NOT NULL))",
         "CREATE INDEX policies_member ON policies (member_id)",
         "CREATE INDEX policies_user_group ON policies (user_group_id)",
         R"(CREATE TABLE policy_permission_groups (
              policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
              position INTEGER NOT NULL,
              permission_group_id TEXT NOT NULL,
              PRIMARY KEY (policy_id, position)))",
         R"(CREATE TABLE policy_resource_groups (
              policy_id TEXT NOT NULL REFERENCES policies(id) ON DELETE CASCADE,
              position INTEGER NOT NULL,
              resource_group_id TEXT NOT NULL REFERENCES resource_groups(id) ON DELETE CASCADE,
              PRIMARY KEY (policy_id, position)))",
         "CREATE INDEX policy_resource_groups_rg ON policy_resource_groups (resource_group_id)",
         "CREATE INDEX members_account ON members (account_id, created_on, id)",
     }},
    // Billing subscriptions and SSO connectors.
    {3,
     {
         R"(CREATE TABLE subscriptions (
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              rate_plan_id TEXT NOT NULL,
              frequency TEXT NOT NULL,
              price_cents BIGINT NOT NULL,
              currency TEXT NOT NULL,
              state TEXT NOT NULL,
              current_period_start BIGINT NOT NULL,
              current_period_end BIGINT NOT NULL,
              created_on BIGINT NOT NULL))",
         "CREATE INDEX subscriptions_account ON subscriptions (account_id, created_on)",
         R"(CREATE TABLE sso_connectors (
              id TEXT PRIMARY KEY,
              account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
              email_domain TEXT NOT NULL,
              enabled INTEGER NOT NULL DEFAULT 0,
              use_fedramp_language INTEGER NOT NULL DEFAULT 0,
              verification_code TEXT NOT NULL,
              verification_status TEXT NOT NULL,
              verification_generation BIGINT NOT NULL DEFAULT 0,
              created_on BIGINT NOT NULL,
              updated_on BIGINT NOT NULL,
              UNIQUE (account_id, email_domain)))",
         // At most one account may have a domain enabled: the service checks
         // first for a clear error, this index makes it hold under any race.
         "CREATE UNIQUE INDEX sso_connectors_enabled_domain ON sso_connectors (email_domain) "
         "WHERE enabled = 1",
     }},
    // Audit log v2. Rows are clustered by (account_id, time, id) so a query
    // walks one account's entries in time order and filters them without
    // lookups; bulky, never-filtered fields live in audit_details. No foreign
    // key to accounts: an account's log outlives the account.
    {4,
     {
         // WITHOUT ROWID: SQLite's clustering (Statement::For drops it on
         // PostgreSQL, whose tables are heaps).
         R"(CREATE TABLE audit_log (
              account_id TEXT NOT NULL,
              time BIGINT NOT NULL,
              id TEXT NOT NULL,
              account_name TEXT NOT NULL,
              action_type TEXT NOT NULL,
              action_result TEXT NOT NULL,
              actor_id TEXT NOT NULL,
              actor_type TEXT NOT NULL,
              actor_context TEXT NOT NULL,
              actor_email TEXT NOT NULL,
              actor_ip_address TEXT NOT NULL,
              actor_token_id TEXT NOT NULL,
              actor_token_name TEXT NOT NULL,
              raw_cf_ray_id TEXT NOT NULL,
              raw_method TEXT NOT NULL,
              raw_status_code INTEGER NOT NULL,
              raw_uri TEXT NOT NULL,
              resource_id TEXT NOT NULL,
              resource_product TEXT NOT NULL,
              resource_type TEXT NOT NULL,
              resource_scope TEXT NOT NULL,
              zone_id TEXT NOT NULL,
              zone_name TEXT NOT NULL,
              PRIMARY KEY (account_id, time, id)) WITHOUT ROWID)",
         "CREATE UNIQUE INDEX audit_log_id ON audit_log (id)",
         // Retention prunes by age across accounts.
         "CREATE INDEX audit_log_time ON audit_log (time)",
         R"(CREATE TABLE audit_details (
              id TEXT PRIMARY KEY,
              action_description TEXT NOT NULL,
              raw_user_agent TEXT NOT NULL,
              resource_request TEXT NOT NULL,
              resource_response TEXT NOT NULL))",
         // Server-wide secrets (e.g. the key that signs audit cursors).
         R"(CREATE TABLE settings (
              name TEXT PRIMARY KEY,
              value TEXT NOT NULL))",
     }},
    // The user's own contact details (PATCH /user); NULL when never set.
    {5,
     {
         "ALTER TABLE users ADD COLUMN country TEXT",
         "ALTER TABLE users ADD COLUMN zipcode TEXT",
         "ALTER TABLE users ADD COLUMN telephone TEXT",
     }},
    // The change log (store/change_log.h): what the in-memory authorization
    // state must re-read, in commit order. AUTOINCREMENT so a seq is never
    // reused after pruning (a reader resumes "after seq N").
    {6,
     {
         // AUTOINCREMENT (seqs never reused) is SQLite's. On PostgreSQL a
         // sequence never hands a value out twice either, but concurrent
         // transactions draw seqs in one order and may commit in another, and
         // a reader past seq N would never see an N-1 committed later. So the
         // seq is drawn by a trigger under a transaction-long advisory lock:
         // seq order is commit order for every way of appending.
         {R"(CREATE TABLE change_log (
              seq INTEGER PRIMARY KEY AUTOINCREMENT,
              kind TEXT NOT NULL,
              id TEXT NOT NULL,
              account_id TEXT NOT NULL DEFAULT '',
              user_id TEXT NOT NULL DEFAULT '',
              time BIGINT NOT NULL))",
          R"(CREATE TABLE change_log (
              seq BIGINT PRIMARY KEY,
              kind TEXT NOT NULL,
              id TEXT NOT NULL,
              account_id TEXT NOT NULL DEFAULT '',
              user_id TEXT NOT NULL DEFAULT '',
              time BIGINT NOT NULL))"},
         {"", "CREATE SEQUENCE change_log_seq"},
         {"", R"(CREATE FUNCTION change_log_next_seq() RETURNS trigger LANGUAGE plpgsql AS $f$
              BEGIN
                PERFORM pg_advisory_xact_lock(7162528124540813314);
                NEW.seq := nextval('change_log_seq');
                RETURN NEW;
              END $f$)"},
         {"", R"(CREATE TRIGGER change_log_seq BEFORE INSERT ON change_log
              FOR EACH ROW EXECUTE FUNCTION change_log_next_seq())"},
     }},
    // Issue 15: every list reads one page, not the whole account. Members
    // carry a copy of their user's sort keys (email, names; the store updates
    // it with the user) so every member order has an index in that order,
    // with and without the status filter; tokens get their list order; and
    // list_counts keeps each list's size, maintained by the store's mutators
    // in the same transaction, so result_info.total_count is one row read.
    {7,
     {
         "ALTER TABLE members ADD COLUMN user_email TEXT NOT NULL DEFAULT ''",
         "ALTER TABLE members ADD COLUMN user_first_name TEXT NOT NULL DEFAULT ''",
         "ALTER TABLE members ADD COLUMN user_last_name TEXT NOT NULL DEFAULT ''",
         R"(UPDATE members SET
              user_email = (SELECT u.email FROM users u WHERE u.id = members.user_id),
              user_first_name = (SELECT u.first_name FROM users u WHERE u.id = members.user_id),
              user_last_name = (SELECT u.last_name FROM users u WHERE u.id = members.user_id))",
         "ALTER TABLE user_group_members ADD COLUMN member_email TEXT NOT NULL DEFAULT ''",
         R"(UPDATE user_group_members SET member_email =
              (SELECT m.user_email FROM members m WHERE m.id = user_group_members.member_id))",
         "CREATE INDEX members_account_email ON members (account_id, user_email, id)",
         "CREATE INDEX members_account_first ON members (account_id, user_first_name, id)",
         "CREATE INDEX members_account_last ON members (account_id, user_last_name, id)",
         "CREATE INDEX members_account_status ON members (account_id, status, id)",
         "CREATE INDEX members_status_created ON members (account_id, status, created_on, id)",
         "CREATE INDEX members_status_email ON members (account_id, status, user_email, id)",
         "CREATE INDEX members_status_first ON members (account_id, status, user_first_name, id)",
         "CREATE INDEX members_status_last ON members (account_id, status, user_last_name, id)",
         "DROP INDEX members_user",
         "CREATE INDEX members_user ON members (user_id, created_on DESC, id)",
         "DROP INDEX tokens_account",
         "CREATE INDEX tokens_account ON tokens (account_id, owner_kind, issued_on, id)",
         "DROP INDEX tokens_user",
         "CREATE INDEX tokens_user ON tokens (user_id, owner_kind, issued_on, id)",
         "CREATE INDEX user_group_members_email ON user_group_members "
         "(user_group_id, member_email, member_id)",
         "CREATE INDEX resource_groups_name ON resource_groups (account_id, name_key, id)",
         // owner_id: an account, user or user group id ('' for server-wide
         // lists); list: see store/list_counts.h.
         R"(CREATE TABLE list_counts (
              owner_id TEXT NOT NULL,
              list TEXT NOT NULL,
              n BIGINT NOT NULL,
              PRIMARY KEY (owner_id, list)))",
         "INSERT INTO list_counts (owner_id, list, n) SELECT '', 'accounts', COUNT(*) FROM "
         "accounts",
         "INSERT INTO list_counts (owner_id, list, n) "
         "SELECT account_id, 'members', COUNT(*) FROM members GROUP BY account_id",
         "INSERT INTO list_counts (owner_id, list, n) "
         "SELECT account_id, 'members:' || status, COUNT(*) FROM members GROUP BY account_id, "
         "status",
         "INSERT INTO list_counts (owner_id, list, n) SELECT account_id, 'account_tokens', "
         "COUNT(*) "
         "FROM tokens WHERE owner_kind = 'account' GROUP BY account_id",
         "INSERT INTO list_counts (owner_id, list, n) SELECT user_id, 'user_tokens', COUNT(*) "
         "FROM tokens WHERE owner_kind = 'user' GROUP BY user_id",
         "INSERT INTO list_counts (owner_id, list, n) "
         "SELECT account_id, 'user_groups', COUNT(*) FROM user_groups GROUP BY account_id",
         "INSERT INTO list_counts (owner_id, list, n) SELECT user_group_id, 'group_members', "
         "COUNT(*) FROM user_group_members GROUP BY user_group_id",
     }},
    // Issue 12: one order for the audit log across every node. The log's
    // order key is (time, id) and its cursors are keyset on it; one process
    // keeps `time` strictly increasing in commit order (audit::Record), but
    // several nodes on PostgreSQL have their own clocks and commit
    // concurrently, so an entry could become visible behind a cursor that
    // has already passed its time. Here the database draws the time: under
    // the change log's transaction-long advisory lock, a trigger makes each
    // entry's time greater than the last one handed out (kept in a sequence,
    // which no rollback or snapshot hides). So time order is commit order,
    // cluster-wide, and a walk never skips an entry that commits later.
    // SQLite has one writer: nothing to do there.
    {8,
     {
         {"", "CREATE SEQUENCE audit_log_clock MINVALUE 0 START 0"},
         {"", "SELECT setval('audit_log_clock', COALESCE((SELECT MAX(time) FROM audit_log), 0))"},
         {"", R"(CREATE FUNCTION audit_log_order() RETURNS trigger LANGUAGE plpgsql AS $f$
              DECLARE last BIGINT;
              BEGIN
                PERFORM pg_advisory_xact_lock(7162528124540813314);
                SELECT last_value INTO last FROM audit_log_clock;
                IF NEW.time <= last THEN NEW.time := last + 1; END IF;
                PERFORM setval('audit_log_clock', NEW.time);
                RETURN NEW;
              END $f$)"},
         {"", R"(CREATE TRIGGER audit_log_order BEFORE INSERT ON audit_log
              FOR EACH ROW EXECUTE FUNCTION audit_log_order())"},
     }},
    // Issue 12: background work once per cluster. A lease is a named job
    // (e.g. "audit-retention", "sso:<connector id>") held by one node until
    // `expires_at`, microseconds by the database's clock (store/leases.h).
    {9,
     {
         R"(CREATE TABLE leases (
              name TEXT PRIMARY KEY,
              holder TEXT NOT NULL,
              expires_at BIGINT NOT NULL))",
     }},
    // Issue 12, coherence between nodes (auth/change_feed.h, docs/cluster.md).
    {10,
     {
         // How far any node has pruned the change log: a node whose floor is
         // below it may have lost entries it needed, and reloads. One row.
         R"(CREATE TABLE change_log_pruned (
              id INTEGER PRIMARY KEY,
              upto BIGINT NOT NULL))",
         "INSERT INTO change_log_pruned (id, upto) SELECT 1, COALESCE(MIN(seq) - 1, 0) FROM "
         "change_log",
         // The node that wrote an audit entry (raw.node_id).
         "ALTER TABLE audit_details ADD COLUMN raw_node_id TEXT NOT NULL DEFAULT ''",
         // LISTEN/NOTIFY (store/postgres/pg_listener.h): each change-log
         // insert notifies its seq, delivered to listeners at commit.
         {"", R"(CREATE OR REPLACE FUNCTION change_log_next_seq() RETURNS trigger
              LANGUAGE plpgsql AS $f$
              BEGIN
                PERFORM pg_advisory_xact_lock(7162528124540813314);
                NEW.seq := nextval('change_log_seq');
                PERFORM pg_notify('cfiam_changes', CAST(NEW.seq AS TEXT));
                RETURN NEW;
              END $f$)"},
     }},
    // Issue 11: when each token was last used moves to a narrow table of its
    // own. The 2-second flush rewrote one wide tokens row (policies JSON and
    // all) per used token, on the server's core; now it writes ~50-byte rows
    // clustered by token id, and only for tokens ever used. tokens.last_used_on
    // stays, neither read nor written from here on: dropping it would make
    // SQLite rewrite every token row while upgrading (a million-row rewrite at
    // start-up).
    {11,
     {
         R"(CREATE TABLE token_last_used (
              token_id TEXT PRIMARY KEY REFERENCES tokens(id) ON DELETE CASCADE,
              last_used_on BIGINT NOT NULL) WITHOUT ROWID)",
         "INSERT INTO token_last_used (token_id, last_used_on) "
         "SELECT id, last_used_on FROM tokens WHERE last_used_on IS NOT NULL",
     }},
};

}  // namespace

// On PostgreSQL, makes `tx` see what other nodes committed before it got the
// migration lock: READ COMMITTED takes a fresh snapshot per statement (a
// serializable snapshot would date from before the wait), then the lock.
static void LockForMigration(Db& db, Tx& tx) {
  if (db.dialect() != Dialect::kPostgres) return;
  tx.Exec("SET TRANSACTION ISOLATION LEVEL READ COMMITTED");
  tx.Query("SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))", {kMigrationLock});
}

int ApplyMigrations(Db& db) {
  {
    auto tx = db.Begin(true);
    LockForMigration(db, *tx);
    tx->Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_on BIGINT NOT NULL)");
    tx->Commit();
  }
  int current = 0;
  for (const Migration& m : kMigrations) {
    auto tx = db.Begin(true);
    LockForMigration(db, *tx);
    const auto rows =
        tx->Query("SELECT 1 FROM schema_migrations WHERE version = ?", {std::int64_t{m.version}});
    if (rows.empty()) {
      for (const Statement& statement : m.statements) {
        const std::string_view sql = statement.For(db.dialect());
        if (!sql.empty()) tx->Exec(sql);
      }
      tx->Exec("INSERT INTO schema_migrations (version, applied_on) VALUES (?, ?)",
               {std::int64_t{m.version}, NowMicros()});
      tx->Commit();
      obs::log::Info("migration applied", {{"version", m.version}});
    }
    current = m.version;
  }
  return current;
}

}  // namespace cfiam::store
