// PostgreSQL engine: a bounded pool of libpq connections, each with its own
// prepared-statement cache. Every statement runs through PQexecPrepared with
// its parameters sent apart from the SQL, as text; PostgreSQL infers each
// parameter's type from where it appears (so portable SQL casts a parameter
// whose place says nothing, e.g. `CAST(? AS BIGINT)` in a VALUES list).
//
// Write transactions run at SERIALIZABLE: a read-modify-write sequence then
// behaves as under SQLite's single writer, across any number of processes,
// and a conflict surfaces as DbError::kRetry for the caller to run the
// transaction again. Read transactions run at REPEATABLE READ (one snapshot).
// Commits return once the WAL is flushed (synchronous_commit = on is forced
// per session, whatever the server's default).
#include "store/postgres/pg_db.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "obs/metrics.h"

namespace cfiam::store {
namespace pg {

std::string RewritePlaceholders(std::string_view sql, int& count) {
  std::string out;
  out.reserve(sql.size() + 16);
  count = 0;
  size_t i = 0;
  // Copies sql[i, stop) through and moves past it.
  auto copy_to = [&](size_t stop) {
    stop = std::min(stop, sql.size());
    out.append(sql.substr(i, stop - i));
    i = stop;
  };
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '\'' || c == '"') {
      // To the closing quote; a doubled quote reads as a close and a reopen.
      const size_t end = sql.find(c, i + 1);
      copy_to(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (c == '-' && next == '-') {
      const size_t end = sql.find('\n', i);
      copy_to(end == std::string_view::npos ? sql.size() : end + 1);
    } else if (c == '/' && next == '*') {
      const size_t end = sql.find("*/", i + 2);
      copy_to(end == std::string_view::npos ? sql.size() : end + 2);
    } else if (c == '?') {
      out += '$';
      out += std::to_string(++count);
      ++i;
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

DbError::Kind KindOfSqlState(std::string_view sqlstate) {
  if (sqlstate.starts_with("23")) return DbError::Kind::kConstraint;
  // serialization_failure, deadlock_detected
  if (sqlstate == "40001" || sqlstate == "40P01") return DbError::Kind::kRetry;
  if (sqlstate == "55P03") return DbError::Kind::kBusy;  // lock_not_available
  // connection_exception (08xxx); admin_shutdown, crash_shutdown,
  // cannot_connect_now (57P01-03: the server stops, crashed, or starts);
  // too_many_connections.
  if (sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
      sqlstate == "57P03" || sqlstate == "53300") {
    return DbError::Kind::kUnavailable;
  }
  return DbError::Kind::kOther;
}

}  // namespace pg

namespace {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

// OIDs of the integer and boolean types (pg_type.h is not in libpq-dev's
// public headers); every other type reads as text.
constexpr Oid kInt8 = 20, kInt2 = 21, kInt4 = 23, kBool = 16;

class Connection {
 public:
  // `connect_timeout` applies unless the conninfo sets its own (`override`
  // false) or always (true).
  Connection(const std::string& conninfo, const char* connect_timeout, bool override) {
    const char* first[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* first_values[] = {connect_timeout, "cfiam", conninfo.c_str(), nullptr};
    const char* last[] = {"dbname", "application_name", "connect_timeout", nullptr};
    const char* last_values[] = {conninfo.c_str(), "cfiam", connect_timeout, nullptr};
    // Later keywords win; `dbname` expands the conninfo in place.
    conn_ = override ? PQconnectdbParams(last, last_values, 1)
                     : PQconnectdbParams(first, first_values, 1);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = conn_ ? PQerrorMessage(conn_) : "out of memory";
      PQfinish(conn_);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      // Refused, timed out, or turned away (starting, shutting down, out of
      // connections): libpq gives no SQLSTATE here, and none of it is the
      // request's fault.
      throw DbError(DbError::Kind::kUnavailable, "connect to PostgreSQL: " + msg);
    }
    PQsetClientEncoding(conn_, "UTF8");
    // Durable commits and the literal syntax store/ SQL is written in.
    Run("SET synchronous_commit = on");
    Run("SET standard_conforming_strings = on");
  }
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }
  PGTransactionStatusType status() const { return PQtransactionStatus(conn_); }

  // A statement without parameters, outside the prepared-statement cache.
  Result Run(const char* sql) { return Check(Result(PQexec(conn_, sql)), sql); }

  // Best effort: a connection it fails on is closed on release.
  void Rollback() { PQclear(PQexec(conn_, "ROLLBACK")); }
  // Closes the connection now: ok() is false from here on, so the pool drops
  // it (e.g. it may still hold a session lock it could not give back).
  void Close() {
    PQfinish(conn_);
    conn_ = nullptr;
  }

  // Runs `sql` (prepared once per connection) with `params`.
  Result Execute(std::string_view sql, const Params& params) {
    auto it = names_.find(std::string(sql));
    if (it == names_.end()) {
      int count = 0;
      const std::string text = pg::RewritePlaceholders(sql, count);
      std::string name = "s" + std::to_string(names_.size() + 1);
      Check(Result(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr)), "prepare");
      it = names_.emplace(std::string(sql), std::move(name)).first;
    }
    std::vector<std::string> texts(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    for (size_t i = 0; i < params.size(); ++i) {
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        // Text-format parameters end at a NUL, and PostgreSQL text cannot hold one.
        if (s->find('\0') != std::string::npos) {
          throw DbError(DbError::Kind::kBadValue, "a text value contains a NUL character");
        }
        values[i] = s->c_str();
      } else if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
        texts[i] = std::to_string(*n);
        values[i] = texts[i].c_str();
      }
    }
    return Check(Result(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                                       values.data(), nullptr, nullptr, 0)),
                 "statement");
  }

 private:
  Result Check(Result r, std::string_view context) {
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
    const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
    std::string msg = r ? PQresultErrorMessage(r.get()) : PQerrorMessage(conn_);
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    // A connection that broke (server gone, backend terminated, closed by
    // the server) says so in its status rather than always in a SQLSTATE.
    const DbError::Kind kind =
        !ok() ? DbError::Kind::kUnavailable : pg::KindOfSqlState(state ? state : "");
    throw DbError(kind, std::string(context) + ": " + msg);
  }

  PGconn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> names_;  // SQL -> prepared statement name
};

std::vector<Row> ReadRows(const PGresult* r) {
  const int nrows = PQntuples(r);
  const int ncols = PQnfields(r);
  std::vector<Row> rows;
  rows.reserve(static_cast<size_t>(nrows));
  for (int i = 0; i < nrows; ++i) {
    std::vector<Value> cols;
    cols.reserve(static_cast<size_t>(ncols));
    for (int j = 0; j < ncols; ++j) {
      const char* v = PQgetvalue(r, i, j);
      const Oid type = PQftype(r, j);
      if (PQgetisnull(r, i, j)) {
        cols.emplace_back(nullptr);
      } else if (type == kInt8 || type == kInt4 || type == kInt2) {
        cols.emplace_back(static_cast<std::int64_t>(std::strtoll(v, nullptr, 10)));
      } else if (type == kBool) {
        cols.emplace_back(std::int64_t{v[0] == 't'});
      } else {
        cols.emplace_back(std::string(v, static_cast<size_t>(PQgetlength(r, i, j))));
      }
    }
    rows.emplace_back(std::move(cols));
  }
  return rows;
}

class PgDb : public Db {
 public:
  PgDb(std::string conninfo, int pool_size)
      : conninfo_(std::move(conninfo)), max_open_(std::max(1, pool_size)) {
    // One connection up front, so a wrong URL or password fails at start-up.
    ++open_;
    Release(Connect());
  }

  std::unique_ptr<Tx> Begin(bool write) override;
  std::unique_ptr<Tx> BeginWrite(std::string_view key) override;
  Dialect dialect() const override { return Dialect::kPostgres; }

  // On a connection of its own with a 1 s statement timeout: a read, and
  // the server must be a primary (a standby would refuse every write).
  void Probe() override {
    std::lock_guard lock(probe_mu_);
    try {
      if (!probe_ || !probe_->ok()) {
        probe_.reset();
        probe_ = std::make_unique<Connection>(conninfo_, "2", /*override=*/true);
        probe_->Run("SET statement_timeout = 1000");
      }
      Result r = probe_->Run("SELECT pg_is_in_recovery()");
      if (PQgetvalue(r.get(), 0, 0)[0] == 't') {
        throw DbError(DbError::Kind::kBusy, "store write: the PostgreSQL server is a standby");
      }
    } catch (const DbError&) {
      if (probe_ && !probe_->ok()) probe_.reset();
      throw;
    }
  }

  // A connection for one transaction: an idle one, a new one while fewer
  // than the pool size are open, else the first one given back. Throws
  // DbError kBusy when none is free within 30 s.
  std::unique_ptr<Connection> Acquire() {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, std::chrono::seconds(30),
                      [&] { return !idle_.empty() || open_ < max_open_; })) {
      throw DbError(DbError::Kind::kBusy, "no store connection became free within 30 s");
    }
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
    ++open_;
    lock.unlock();
    try {
      return Connect();
    } catch (...) {
      lock.lock();
      --open_;
      cv_.notify_one();
      throw;
    }
  }

  // Closes every idle connection (after a server restart they are all dead).
  void DropIdle() {
    std::vector<std::unique_ptr<Connection>> dropped;
    std::lock_guard lock(mu_);
    open_ -= static_cast<int>(idle_.size());
    dropped.swap(idle_);
    cv_.notify_all();
  }

  // Takes a connection back; one that broke or is still inside a
  // transaction is closed instead.
  void Release(std::unique_ptr<Connection> conn) {
    const bool reusable = conn->ok() && conn->status() == PQTRANS_IDLE;
    if (!reusable) conn.reset();
    std::lock_guard lock(mu_);
    if (reusable) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    cv_.notify_one();
  }

 private:
  std::unique_ptr<Connection> Connect() {
    return std::make_unique<Connection>(conninfo_, "10", /*override=*/false);
  }

  const std::string conninfo_;
  const int max_open_;
  std::mutex mu_;
  std::condition_variable cv_;
  int open_ = 0;  // guarded by mu_: idle plus lent out
  std::vector<std::unique_ptr<Connection>> idle_;
  std::mutex probe_mu_;
  std::unique_ptr<Connection> probe_;  // guarded by probe_mu_
};

// The lock a keyed write transaction takes (Db::BeginWrite): a session-level
// advisory lock on (this constant, hashtext(key)), taken before BEGIN. Before,
// not inside: a SERIALIZABLE transaction's snapshot is taken at its first
// statement, so a lock taken inside would date the snapshot from before the
// wait, and the rows the previous holder changed would still conflict. The
// two-key form never collides with the one-key locks of migrations and the
// change log. Two accounts whose keys hash alike merely take turns.
constexpr std::string_view kAccountLockSql = "SELECT pg_advisory_lock(1667656033, hashtext(?))";

class PgTx : public Tx {
 public:
  PgTx(PgDb& db, bool write, std::string_view key = {}) : db_(db), write_(write) {
    const char* begin =
        write ? "BEGIN ISOLATION LEVEL SERIALIZABLE" : "BEGIN ISOLATION LEVEL REPEATABLE READ";
    // An idle connection may have been closed by the server meanwhile (a
    // restart, an idle timeout): that shows only when used, so once more
    // on a fresh one.
    for (int attempt = 0;; ++attempt) {
      conn_ = db_.Acquire();
      try {
        if (!key.empty()) {
          conn_->Execute(kAccountLockSql, {std::string(key)});
          locked_ = true;
        }
        conn_->Run(begin);
        return;
      } catch (const DbError&) {
        const bool stale = !conn_->ok();
        Unlock();
        db_.Release(std::move(conn_));
        if (!stale || attempt > 0) throw;
        db_.DropIdle();  // what closed this one most likely closed them all
      }
    }
  }

  ~PgTx() override {
    if (!committed_ && conn_->ok() && conn_->status() != PQTRANS_IDLE) {
      conn_->Rollback();
    }
    Unlock();
    db_.Release(std::move(conn_));
  }

  std::int64_t Exec(std::string_view sql, const Params& params) override {
    Result r = conn_->Execute(sql, params);
    return std::strtoll(PQcmdTuples(r.get()), nullptr, 10);
  }

  std::vector<Row> Query(std::string_view sql, const Params& params) override {
    return ReadRows(conn_->Execute(sql, params).get());
  }

  bool read_only() const override { return !write_; }

  void Commit() override {
    if (conn_->status() == PQTRANS_INERROR) {
      // COMMIT would answer ROLLBACK without an error: say so instead.
      throw DbError(DbError::Kind::kOther, "commit: a statement of the transaction failed");
    }
    const auto started = std::chrono::steady_clock::now();
    conn_->Run("COMMIT");
    committed_ = true;
    auto hooks = TakeDurableHooks();
    RunDurableHooks(hooks);
    Unlock();  // the account's next change may begin while hooks run
    obs::metrics::ObserveCommit(std::chrono::duration_cast<std::chrono::microseconds>(
                                    std::chrono::steady_clock::now() - started)
                                    .count(),
                                1);
  }

 private:
  // Gives the account lock back, if held. A connection that cannot is
  // closed, which releases it (a pooled connection must never keep it).
  void Unlock() {
    if (!locked_) return;
    locked_ = false;
    if (!conn_->ok()) return;  // a lost session holds no locks
    try {
      if (conn_->status() != PQTRANS_IDLE) conn_->Rollback();
      conn_->Run("SELECT pg_advisory_unlock_all()");
    } catch (const DbError&) {
      conn_->Close();
    }
  }

  PgDb& db_;
  bool write_;
  std::unique_ptr<Connection> conn_;
  bool committed_ = false;
  bool locked_ = false;
};

std::unique_ptr<Tx> PgDb::Begin(bool write) { return std::make_unique<PgTx>(*this, write); }

std::unique_ptr<Tx> PgDb::BeginWrite(std::string_view key) {
  return std::make_unique<PgTx>(*this, true, key);
}

}  // namespace

std::unique_ptr<Db> OpenPostgres(const std::string& conninfo, int pool_size) {
  return std::make_unique<PgDb>(conninfo, pool_size);
}

}  // namespace cfiam::store
