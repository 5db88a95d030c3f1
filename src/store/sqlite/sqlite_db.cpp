// SQLite engine: one writer connection shared by all write transactions (see
// group commit below) and a pool of reader connections, each with its own
// prepared-statement cache. WAL lets readers proceed while the writer
// commits; batches start with BEGIN IMMEDIATE so another process's writer
// queues on the lock instead of failing mid-way.
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

#include "obs/metrics.h"
#include "store/db.h"
#include "store/sqlite/memory_subjournal.h"

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
    const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   MemorySubjournalVfs());
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

  // A statement without parameters or rows (transaction control), prepared
  // once per connection: sqlite3_exec parsed BEGIN, SAVEPOINT, RELEASE and
  // COMMIT again for every transaction. Returns SQLITE_OK or the error code.
  int Control(std::string_view sql) noexcept {
    try {
      sqlite3_stmt* stmt = Prepare(sql, {});
      const int rc = sqlite3_step(stmt);
      sqlite3_reset(stmt);
      return rc == SQLITE_DONE ? SQLITE_OK : rc;
    } catch (...) {
      return SQLITE_ERROR;
    }
  }
  // Control() that throws on failure.
  void RunControl(std::string_view sql) {
    if (Control(sql) != SQLITE_OK) {
      throw DbError(DbError::Kind::kOther, std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
  }

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
    auto it = cache_.find(sql);  // no copy of the text per statement
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
    // Every parameter is bound again below; clearing first only costs (a
    // statement run with fewer parameters than it has gets NULLs, as before).
    if (static_cast<size_t>(sqlite3_bind_parameter_count(stmt)) != params.size()) {
      sqlite3_clear_bindings(stmt);
    }
    for (size_t i = 0; i < params.size(); ++i) {
      const int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      if (const auto* s = std::get_if<std::string>(&params[i])) {
        // Not copied: `params` outlives every step of the statement (the
        // Run* functions step and reset it before returning), and each use
        // binds every parameter again. A copy per value was 700 instructions.
        rc = sqlite3_bind_text(stmt, idx, s->data(), static_cast<int>(s->size()), SQLITE_STATIC);
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
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, Hash, std::equal_to<>> cache_;
};

std::int64_t RunExec(Connection& conn, std::string_view sql, const Params& params) {
  sqlite3_stmt* stmt = conn.Prepare(sql, params);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
  }
  sqlite3_reset(stmt);
  if (rc != SQLITE_DONE) Fail(conn.raw(), rc, "exec");
  return sqlite3_changes(conn.raw());
}

std::vector<Row> RunQuery(Connection& conn, std::string_view sql, const Params& params) {
  sqlite3_stmt* stmt = conn.Prepare(sql, params);
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
  if (rc != SQLITE_DONE) Fail(conn.raw(), rc, "query");
  return rows;
}

// The current row of a stepping statement.
class StatementRowView final : public RowView {
 public:
  explicit StatementRowView(sqlite3_stmt* stmt) : stmt_(stmt) {}
  bool IsNull(size_t i) const override {
    return sqlite3_column_type(stmt_, static_cast<int>(i)) == SQLITE_NULL;
  }
  std::string_view Str(size_t i) const override {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, static_cast<int>(i)));
    if (!p) return {};
    return {p, static_cast<size_t>(sqlite3_column_bytes(stmt_, static_cast<int>(i)))};
  }
  std::int64_t Int(size_t i) const override {
    return sqlite3_column_int64(stmt_, static_cast<int>(i));
  }

 private:
  sqlite3_stmt* stmt_;
};

void RunQueryEach(Connection& conn, std::string_view sql, const Params& params, const RowFn& fn) {
  sqlite3_stmt* stmt = conn.Prepare(sql, params);
  // The statement is cached: reset it however the callback leaves.
  struct Reset {
    sqlite3_stmt* s;
    ~Reset() { sqlite3_reset(s); }
  } reset{stmt};
  const StatementRowView row(stmt);
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) fn(row);
  if (rc != SQLITE_DONE) Fail(conn.raw(), rc, "query");
}

class SqliteDb;

// The batch this thread holds (Db::HoldCommits): its engine, and the first
// and last batch numbers its transactions were released into since the
// holder last committed (0: none).
struct HeldState {
  SqliteDb* db = nullptr;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};
thread_local HeldState t_held;

// A read transaction on a pooled connection.
class SqliteReadTx : public Tx {
 public:
  SqliteReadTx(SqliteDb& owner, std::unique_ptr<Connection> conn);
  ~SqliteReadTx() override;
  std::int64_t Exec(std::string_view sql, const Params& params) override {
    return RunExec(*conn_, sql, params);
  }
  std::vector<Row> Query(std::string_view sql, const Params& params) override {
    return RunQuery(*conn_, sql, params);
  }
  void QueryEach(std::string_view sql, const Params& params, const RowFn& fn) override {
    RunQueryEach(*conn_, sql, params, fn);
  }
  void Commit() override {
    conn_->RunControl("COMMIT");
    committed_ = true;
  }
  bool read_only() const override { return true; }

 private:
  SqliteDb& owner_;
  std::unique_ptr<Connection> conn_;
  bool committed_ = false;
};

// Group commit. Write transactions are logical: each is a SAVEPOINT inside
// one physical transaction (a batch) on the single writer connection, and
// they run one at a time under the writer lock. A logical commit releases its
// savepoint; the batch is committed (one fsync) by the first logical commit
// that finds no other writer queued, or once the batch is full. Every
// logical commit returns only after its batch is durable, and throws if the
// batch failed, so nothing is acknowledged before it is on disk. Writers
// queue on the lock while a batch commits, so under load each fsync carries
// many changes instead of one.
//
// A thread that holds a batch (HoldCommits: the API's change queue) never
// blocks in a logical commit: it releases the savepoint and goes on to the
// next change, and commits the batch itself once it has run all it had, so
// one thread carries a whole batch without a lock hand-over or a wake-up per
// change. Other writers still join and may commit its batch early (a commit
// sooner is harmless); the holder then only waits for it.
class SqliteWriteTx : public Tx {
 public:
  explicit SqliteWriteTx(SqliteDb& owner);
  ~SqliteWriteTx() override;
  std::int64_t Exec(std::string_view sql, const Params& params) override;
  std::vector<Row> Query(std::string_view sql, const Params& params) override;
  void QueryEach(std::string_view sql, const Params& params, const RowFn& fn) override;
  std::int64_t InsertReturningKey(std::string_view sql, const Params& params,
                                  std::string_view key) override;
  void Commit() override;
  bool held() const override { return held_; }
  static void RunBatchHooks(std::vector<std::function<void()>>& hooks) noexcept {
    RunDurableHooks(hooks);
  }

 private:
  SqliteDb& owner_;
  std::unique_lock<std::mutex> lock_;
  std::uint64_t batch_ = 0;
  bool done_ = false;
  bool held_ = false;  // released into the thread's held batch, not yet durable
};

class SqliteDb : public Db {
 public:
  // Most logical transactions one fsync may carry; bounds how long a batch
  // keeps other processes (e.g. `cfiam admin`) off the database.
  static constexpr int kMaxBatch = 64;

  explicit SqliteDb(std::string path) : path_(std::move(path)) {
    // Opening the writer up front creates the file and switches it to WAL.
    writer_ = std::make_unique<Connection>(path_);
  }

  std::unique_ptr<Tx> Begin(bool write) override {
    if (write) return std::make_unique<SqliteWriteTx>(*this);
    return std::make_unique<SqliteReadTx>(*this, Acquire());
  }
  Dialect dialect() const override { return Dialect::kSqlite; }
  std::unique_ptr<HeldCommits> HoldCommits() override;

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

  // On a connection of its own, so a probe never queues behind (or holds up)
  // the group commit for long: a read, then the write lock taken and given
  // back at once. The lock fails after 1 s when another process holds it.
  void Probe() override {
    std::lock_guard lock(probe_mu_);
    if (!probe_) {
      probe_ = std::make_unique<Connection>(path_);
      sqlite3_busy_timeout(probe_->raw(), 1000);
    }
    sqlite3* raw = probe_->raw();
    int rc = sqlite3_exec(raw, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) Fail(raw, rc, "store read");
    rc = sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) Fail(raw, rc, "store write lock");
    sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
  }

 private:
  friend class SqliteWriteTx;
  friend class SqliteHeld;

  // Takes the writer lock and opens a savepoint, starting a batch if none is
  // open. Returns the batch the logical transaction belongs to.
  std::uint64_t BeginLogical(std::unique_lock<std::mutex>& lock) {
    waiting_.fetch_add(1, std::memory_order_relaxed);
    lock = std::unique_lock(writer_mu_);
    waiting_.fetch_sub(1, std::memory_order_relaxed);
    if (!batch_open_) {
      try {
        writer_->RunControl("BEGIN IMMEDIATE");
      } catch (...) {
        lock.unlock();
        throw;
      }
      batch_open_ = true;
      batch_size_ = 0;
      ++batch_no_;
    }
    try {
      writer_->RunControl("SAVEPOINT logical");
    } catch (...) {
      EndLogical(lock, /*committed=*/false);
      throw;
    }
    return batch_no_;
  }

  // Ends the caller's logical transaction (already released or rolled back)
  // and commits the batch if nobody else is queued to join it, unless `hold`
  // (the caller holds the batch and commits it later). Unlocks. Returns the
  // error of a commit this call made and that failed, or of a batch found
  // lost.
  std::string EndLogical(std::unique_lock<std::mutex>& lock, bool committed, bool hold = false) {
    std::string error;
    if (committed) ++batch_size_;
    if (batch_open_ && sqlite3_get_autocommit(writer_->raw())) {
      error = LoseBatch();
    } else if (batch_open_ && !hold &&
               (waiting_.load(std::memory_order_relaxed) == 0 || batch_size_ >= kMaxBatch)) {
      error = CommitBatch();
    }
    lock.unlock();
    return error;
  }

  // REQUIRES: writer_mu_ held, a batch open that SQLite rolled back whole
  // (e.g. disk full): it is lost. Tells its writers; returns the error.
  std::string LoseBatch() {
    batch_open_ = false;
    batch_hooks_.clear();
    std::string error = "the transaction batch was rolled back";
    Publish(batch_no_, error);
    return error;
  }

  // REQUIRES: writer_mu_ held, a batch open. Commits it (one fsync), runs
  // its durable hooks, and tells its writers. Returns the error, if any.
  std::string CommitBatch() {
    std::string error;
    const auto started = std::chrono::steady_clock::now();
    if (writer_->Control("COMMIT") != SQLITE_OK) {
      error = std::string("commit: ") + sqlite3_errmsg(writer_->raw());
      if (!sqlite3_get_autocommit(writer_->raw())) {
        writer_->Control("ROLLBACK");
      }
    } else {
      // Durable: the batch's hooks run before any of its writers returns.
      SqliteWriteTx::RunBatchHooks(batch_hooks_);
      obs::metrics::ObserveCommit(std::chrono::duration_cast<std::chrono::microseconds>(
                                      std::chrono::steady_clock::now() - started)
                                      .count(),
                                  static_cast<std::uint64_t>(batch_size_));
    }
    batch_open_ = false;
    batch_hooks_.clear();  // empty unless the commit failed: they never run
    Publish(batch_no_, error);
    return error;
  }

  // The holder's commit: makes batches [first, last] durable, committing the
  // last if it is still open. Returns the first error among them.
  std::string CommitHeld(std::uint64_t first, std::uint64_t last) {
    if (first == 0) return {};
    {
      std::unique_lock lock(writer_mu_);
      if (batch_open_ && batch_no_ == last) {
        if (sqlite3_get_autocommit(writer_->raw())) {
          LoseBatch();
        } else {
          CommitBatch();
        }
      }
    }
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return done_no_ >= last; });
    auto it = failed_.lower_bound(first);
    return it == failed_.end() || it->first > last ? std::string() : it->second;
  }

  void Publish(std::uint64_t batch, const std::string& error) {
    std::lock_guard lock(done_mu_);
    done_no_ = batch;
    if (!error.empty()) {
      failed_[batch] = error;
      while (failed_.size() > 1024) failed_.erase(failed_.begin());
    }
    done_cv_.notify_all();
  }

  // Blocks until `batch` has been committed or lost; returns its error.
  std::string AwaitBatch(std::uint64_t batch) {
    std::unique_lock lock(done_mu_);
    done_cv_.wait(lock, [&] { return done_no_ >= batch; });
    auto it = failed_.find(batch);
    return it == failed_.end() ? std::string() : it->second;
  }

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> free_;
  std::mutex probe_mu_;
  std::unique_ptr<Connection> probe_;  // guarded by probe_mu_

  std::mutex writer_mu_;  // held by the one running logical write transaction
  std::atomic<int> waiting_{0};
  // Guarded by writer_mu_.
  std::unique_ptr<Connection> writer_;
  bool batch_open_ = false;
  // The durable hooks (Tx::OnDurable) of the batch's released transactions.
  std::vector<std::function<void()>> batch_hooks_;
  int batch_size_ = 0;
  std::uint64_t batch_no_ = 0;

  std::mutex done_mu_;
  std::condition_variable done_cv_;
  std::uint64_t done_no_ = 0;  // every batch up to this one has ended
  std::map<std::uint64_t, std::string> failed_;
};

SqliteReadTx::SqliteReadTx(SqliteDb& owner, std::unique_ptr<Connection> conn)
    : owner_(owner), conn_(std::move(conn)) {
  try {
    conn_->RunControl("BEGIN");
  } catch (...) {
    owner_.Release(std::move(conn_));
    throw;
  }
}

SqliteReadTx::~SqliteReadTx() {
  if (!committed_) {
    // Rollback cannot meaningfully fail here; a connection in a bad state is dropped.
    if (conn_->Control("ROLLBACK") != SQLITE_OK && !sqlite3_get_autocommit(conn_->raw())) {
      return;
    }
  }
  owner_.Release(std::move(conn_));
}

SqliteWriteTx::SqliteWriteTx(SqliteDb& owner) : owner_(owner) {
  batch_ = owner_.BeginLogical(lock_);
}

std::int64_t SqliteWriteTx::Exec(std::string_view sql, const Params& params) {
  return RunExec(*owner_.writer_, sql, params);
}

std::vector<Row> SqliteWriteTx::Query(std::string_view sql, const Params& params) {
  return RunQuery(*owner_.writer_, sql, params);
}

void SqliteWriteTx::QueryEach(std::string_view sql, const Params& params, const RowFn& fn) {
  RunQueryEach(*owner_.writer_, sql, params, fn);
}

std::int64_t SqliteWriteTx::InsertReturningKey(std::string_view sql, const Params& params,
                                               std::string_view /*key: the rowid*/) {
  if (RunExec(*owner_.writer_, sql, params) != 1) {
    throw DbError(DbError::Kind::kOther, "insert: no row inserted");
  }
  return sqlite3_last_insert_rowid(owner_.writer_->raw());
}

void SqliteWriteTx::Commit() {
  sqlite3* raw = owner_.writer_->raw();
  if (owner_.writer_->Control("RELEASE logical") != SQLITE_OK) {
    Fail(raw, sqlite3_errcode(raw), "release");  // the destructor rolls back
  }
  done_ = true;
  // Released into the batch: its hooks run when the batch commits.
  for (auto& hook : TakeDurableHooks()) owner_.batch_hooks_.push_back(std::move(hook));
  if (t_held.db == &owner_) {
    // The thread's held batch: durable when the holder commits it.
    std::string error = owner_.EndLogical(lock_, /*committed=*/true, /*hold=*/true);
    if (!error.empty()) throw DbError(DbError::Kind::kOther, error);
    if (t_held.first == 0) t_held.first = batch_;
    t_held.last = batch_;
    held_ = true;
    return;
  }
  std::string error = owner_.EndLogical(lock_, /*committed=*/true);
  if (error.empty()) error = owner_.AwaitBatch(batch_);
  if (!error.empty()) throw DbError(DbError::Kind::kOther, error);
}

SqliteWriteTx::~SqliteWriteTx() {
  if (done_) return;
  sqlite3* raw = owner_.writer_->raw();
  // Undo this transaction only; earlier ones in the batch stay.
  if (!sqlite3_get_autocommit(raw)) {
    owner_.writer_->Control("ROLLBACK TO logical");
    owner_.writer_->Control("RELEASE logical");
  }
  // A holder's rolled-back change costs no commit of the batch.
  owner_.EndLogical(lock_, /*committed=*/false, /*hold=*/t_held.db == &owner_);
}

class SqliteHeld final : public HeldCommits {
 public:
  explicit SqliteHeld(SqliteDb& db) : db_(db) { t_held = HeldState{&db, 0, 0}; }
  ~SqliteHeld() override {
    try {
      Commit();
    } catch (...) {  // lost; the holder that cares calls Commit() itself
    }
    t_held = HeldState{};
  }
  void Commit() override {
    const HeldState state = t_held;
    t_held.first = t_held.last = 0;
    const std::string error = db_.CommitHeld(state.first, state.last);
    if (!error.empty()) throw DbError(DbError::Kind::kOther, error);
  }

 private:
  SqliteDb& db_;
};

std::unique_ptr<HeldCommits> SqliteDb::HoldCommits() {
  if (t_held.db != nullptr) throw std::logic_error("HoldCommits: this thread holds a batch");
  return std::make_unique<SqliteHeld>(*this);
}

}  // namespace

std::unique_ptr<Db> OpenSqlite(const std::string& path) { return std::make_unique<SqliteDb>(path); }

}  // namespace cfiam::store
