// Db: the storage engine interface. An engine (SQLite or PostgreSQL) runs
// portable, parameterized SQL inside transactions; nothing above store/ sees
// SQL. SQL text uses `?` placeholders; an engine that needs `$1` rewrites.
//
// Thread-safety: a Db is shared by all threads; a Tx belongs to one thread at a
// time. A Tx that is destroyed without Commit() rolls back.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace cfiam::store {

using Value = std::variant<std::nullptr_t, std::int64_t, std::string>;
using Params = std::vector<Value>;

// Helpers so optional fields bind as NULL.
inline Value Nullable(const std::string* s) { return s ? Value(*s) : Value(nullptr); }

class Row {
 public:
  explicit Row(std::vector<Value> cols) : cols_(std::move(cols)) {}
  bool IsNull(size_t i) const { return std::holds_alternative<std::nullptr_t>(cols_.at(i)); }
  std::string Str(size_t i) const;  // NULL reads as ""
  // The column's text in place, or nullptr when it is not text.
  const std::string* Text(size_t i) const { return std::get_if<std::string>(&cols_.at(i)); }
  std::int64_t Int(size_t i) const;  // NULL reads as 0
  size_t size() const { return cols_.size(); }

 private:
  std::vector<Value> cols_;
};

// One row of a streaming query (Tx::QueryEach): its text columns are views
// into the engine's buffers, valid only during the callback, so a million-row
// load allocates nothing per column.
class RowView {
 public:
  virtual bool IsNull(size_t i) const = 0;
  virtual std::string_view Str(size_t i) const = 0;  // NULL reads as ""
  virtual std::int64_t Int(size_t i) const = 0;      // NULL reads as 0

 protected:
  ~RowView() = default;
};
using RowFn = std::function<void(const RowView&)>;

class DbError : public std::runtime_error {
 public:
  // kRetry: the transaction lost a serialization conflict or a deadlock and
  // was rolled back; running the whole transaction again may succeed.
  // kBadValue: a parameter the engine cannot hold (PostgreSQL text cannot
  // contain NUL), i.e. bad client input.
  // kUnavailable: the store cannot be reached (connection refused, lost, or
  // the server shutting down); the API answers 503, the client may retry.
  enum class Kind { kConstraint, kBusy, kRetry, kBadValue, kUnavailable, kOther };
  DbError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

class Tx {
 public:
  virtual ~Tx() = default;
  // Runs a statement; returns the number of rows it changed.
  virtual std::int64_t Exec(std::string_view sql, const Params& params = {}) = 0;
  virtual std::vector<Row> Query(std::string_view sql, const Params& params = {}) = 0;
  // Calls `fn` for each row of a query, in order, without keeping the rows.
  // The default runs Query() (correct for any engine, not lean); engines
  // override it to stream from their own buffers.
  virtual void QueryEach(std::string_view sql, const Params& params, const RowFn& fn);
  // Runs an INSERT of one row and returns the integer key the engine gave it:
  // `key` must be the table's INTEGER PRIMARY KEY (on SQLite, the rowid,
  // read back for free). The default appends RETURNING (correct for any
  // engine; on SQLite three times the cost of the insert itself).
  virtual std::int64_t InsertReturningKey(std::string_view sql, const Params& params,
                                          std::string_view key);
  // Durably commits (the data survives a crash once this returns).
  virtual void Commit() = 0;
  // True for a read transaction (Db::Begin(false)): everything it sees is
  // committed. False when unknown, which is always safe.
  virtual bool read_only() const { return false; }
  // True once Commit() returned having only released the transaction into a
  // held batch (Db::HoldCommits): it is durable when the batch commits.
  virtual bool held() const { return false; }

  // Runs `hook` once this write transaction is durably committed, never if
  // it rolls back. The engines run it in the thread that made the commit
  // durable, before any Commit() of that commit returns (SQLite: the whole
  // group-committed batch's hooks, while holding the writer), so a hook must
  // be quick and must not throw. A hook may also not run at all (a Tx that
  // wraps another, a read transaction): only for work with a fallback, such
  // as handing the change feed what it would otherwise read back.
  void OnDurable(std::function<void()> hook) { durable_.push_back(std::move(hook)); }

 protected:
  std::vector<std::function<void()>> TakeDurableHooks() { return std::move(durable_); }
  static void RunDurableHooks(std::vector<std::function<void()>>& hooks) noexcept {
    for (auto& hook : hooks) {
      try {
        hook();
      } catch (...) {  // a hook has a fallback (see OnDurable): dropping it is safe
      }
    }
    hooks.clear();
  }

 private:
  std::vector<std::function<void()>> durable_;
};

// A batch the calling thread holds open (Db::HoldCommits): each write
// transaction it commits meanwhile is released into the batch and Commit()
// returns at once, not yet durable (Tx::held()); Commit() here makes all of
// them durable with one fsync, running their durable hooks first. The thread
// must not acknowledge any of them before. One thread, one batch at a time.
class HeldCommits {
 public:
  // Commits what is still held; a failure is lost (call Commit() to see it).
  virtual ~HeldCommits() = default;
  // Returns once every transaction this thread released into the batch is
  // durable; throws DbError when any of them was lost (none then counts as
  // committed: the engine rolled the batch back).
  virtual void Commit() = 0;
};

// The SQL a statement may need to differ in (rarely: most SQL is portable).
enum class Dialect { kSqlite, kPostgres };

class Db {
 public:
  virtual ~Db() = default;
  // A read transaction sees one snapshot. Write transactions are serializable:
  // SQLite holds the write lock from the start; PostgreSQL runs them at
  // SERIALIZABLE and throws DbError kRetry (from any statement or Commit) when
  // one must be run again.
  virtual std::unique_ptr<Tx> Begin(bool write) = 0;
  // A write transaction that first waits for every other write transaction
  // begun with the same `key` (an account id) to end, on every node, so the
  // two never conflict: on PostgreSQL concurrent changes of one account
  // would otherwise update the same rows (its kept counts) under
  // SERIALIZABLE, and all but one fail and run again, over and over. An empty
  // key (and SQLite, whose writer is already one at a time) is Begin(true).
  virtual std::unique_ptr<Tx> BeginWrite(std::string_view key) {
    (void)key;
    return Begin(true);
  }
  virtual Dialect dialect() const = 0;
  // Starts holding the calling thread's commits in one batch (HeldCommits),
  // or returns nullptr when the engine commits each transaction on its own
  // (PostgreSQL): then every Commit() is durable as usual.
  virtual std::unique_ptr<HeldCommits> HoldCommits() { return nullptr; }
  // Readiness: returns once the store answers a trivial read and would grant
  // its write lock (nothing is written); throws DbError saying why not. Waits
  // about a second at most.
  virtual void Probe() = 0;
};

// Opens (creating if needed) the SQLite database file at `path` in WAL mode with
// foreign keys on and full fsync on commit. Throws DbError on failure.
std::unique_ptr<Db> OpenSqlite(const std::string& path);

// Connects to PostgreSQL (`conninfo`: a postgres:// URL or libpq key=value
// text) with at most `pool_size` connections. Throws DbError on failure.
std::unique_ptr<Db> OpenPostgres(const std::string& conninfo, int pool_size);

}  // namespace cfiam::store
