// SQLite engine: a pool of connections, one per concurrently running
// transaction, each with its own prepared-statement cache. WAL lets readers
// proceed while one writer commits; write transactions start with
// BEGIN IMMEDIATE so writers queue on the lock instead of failing mid-way.
#include <sqlite3.h>

#include <mutex>
#include <unordered_map>

#include "store/db.h"

namespace cfiam::store {
namespace {

[[noreturn]] void Fail(sqlite3* db, int rc, std::string_view context) {
  const int primary = rc & 0xff;
  DbError::Kind kind = DbError::Kind::kOther;
  if (primary == SQLITE_CONSTRAINT) kind = DbError::Kind::kConstraint;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) kind = DbError::Kind::kBusy;
  throw DbError(kind, std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
}

class Connection {
 public:
  explicit Connection(const std::string& path) {
    const int rc =
        sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      throw DbError(DbError::Kind::kOther, "open " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    Run("PRAGMA journal_mode=WAL");
    Run("PRAGMA synchronous=FULL");
    Run("PRAGMA foreign_keys=ON");
  }
  ~Connection() {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close(db_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Run(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "?";
      sqlite3_free(err);
      throw DbError(DbError::Kind::kOther, std::string(sql) + ": " + msg);
    }
  }

  // Prepares (or reuses) `sql` and binds `params`. The statement stays owned by
  // the cache; the caller resets it when done.
  sqlite3_stmt* Prepare(std::string_view sql, const Params& params) {
    auto it = cache_.find(std::string(sql));
    sqlite3_stmt* stmt = nullptr;
    if (it == cache_.end()) {
      const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
      if (rc != SQLITE_OK) Fail(db_, rc, "prepare");
      cache_.emplace(std::string(sql), stmt);
    } else {
      stmt = it->second;
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
      } else if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        rc = sqlite3_bind_int64(stmt, idx, *n);
      } else {
        rc = sqlite3_bind_null(stmt, idx);
      }
      if (rc != SQLITE_OK) Fail(db_, rc, "bind");
    }
    return stmt;
  }

  sqlite3* raw() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class SqliteDb;

class SqliteTx : public Tx {
 public:
  SqliteTx(SqliteDb& owner, std::unique_lock<std::mutex> writer, std::unique_ptr<Connection> conn,
           bool write);
  ~SqliteTx() override;

  std::int64_t Exec(std::string_view sql, const Params& params) override {
    sqlite3_stmt* stmt = conn_->Prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) Fail(conn_->raw(), rc, "exec");
    return sqlite3_changes(conn_->raw());
  }

  std::vector<Row> Query(std::string_view sql, const Params& params) override {
    sqlite3_stmt* stmt = conn_->Prepare(sql, params);
    std::vector<Row> rows;
    const int ncol = sqlite3_column_count(stmt);
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      std::vector<Value> cols;
      cols.reserve(static_cast<size_t>(ncol));
      for (int i = 0; i < ncol; ++i) {
        switch (sqlite3_column_type(stmt, i)) {
          case SQLITE_NULL:
            cols.emplace_back(nullptr);
            break;
          case SQLITE_INTEGER:
            cols.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, i)));
            break;
          default: {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
            cols.emplace_back(
                std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
          }
        }
      }
      rows.emplace_back(std::move(cols));
    }
    sqlite3_reset(stmt);
    if (rc != SQLITE_DONE) Fail(conn_->raw(), rc, "query");
    return rows;
  }

  void Commit() override {
    conn_->Run("COMMIT");
    committed_ = true;
  }

 private:
  SqliteDb& owner_;
  // Held for the whole life of a write transaction: one writer at a time in
  // this process, so callers may update in-memory mirrors after Commit() in
  // commit order.
  std::unique_lock<std::mutex> writer_;
  std::unique_ptr<Connection> conn_;
  bool committed_ = false;
};

class SqliteDb : public Db {
 public:
  explicit SqliteDb(std::string path) : path_(std::move(path)) {
    // Opening one connection up front creates the file and switches it to WAL.
    Release(std::make_unique<Connection>(path_));
  }

  std::unique_ptr<Tx> Begin(bool write) override {
    std::unique_lock<std::mutex> writer;
    if (write) writer = std::unique_lock(writer_mu_);
    return std::make_unique<SqliteTx>(*this, std::move(writer), Acquire(), write);
  }

  std::unique_ptr<Connection> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!free_.empty()) {
        auto conn = std::move(free_.back());
        free_.pop_back();
        return conn;
      }
    }
    return std::make_unique<Connection>(path_);
  }

  void Release(std::unique_ptr<Connection> conn) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(conn));
  }

 private:
  std::string path_;
  std::mutex writer_mu_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> free_;
};

SqliteTx::SqliteTx(SqliteDb& owner, std::unique_lock<std::mutex> writer,
                   std::unique_ptr<Connection> conn, bool write)
    : owner_(owner), writer_(std::move(writer)), conn_(std::move(conn)) {
  try {
    conn_->Run(write ? "BEGIN IMMEDIATE" : "BEGIN");
  } catch (...) {
    owner_.Release(std::move(conn_));
    throw;
  }
}

SqliteTx::~SqliteTx() {
  if (!committed_) {
    // Rollback cannot meaningfully fail here; a connection in a bad state is dropped.
    if (sqlite3_exec(conn_->raw(), "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK &&
        !sqlite3_get_autocommit(conn_->raw())) {
      return;
    }
  }
  owner_.Release(std::move(conn_));
}

}  // namespace

std::unique_ptr<Db> OpenSqlite(const std::string& path) { return std::make_unique<SqliteDb>(path); }

}  // namespace cfiam::store
