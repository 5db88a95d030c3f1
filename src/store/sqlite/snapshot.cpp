#include "store/sqlite/snapshot.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "store/db.h"

namespace cfiam::store {
namespace {

// One raw connection, closed on scope exit.
class Handle {
 public:
  Handle(const std::string& path, int flags) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
    if (rc != SQLITE_OK) Fail("open " + path, rc);
    sqlite3_busy_timeout(db_, 10000);
  }
  ~Handle() { sqlite3_close(db_); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  sqlite3* get() const { return db_; }

  // Runs `sql` with one text parameter; returns the first column of the first row.
  std::string Run(const std::string& sql, const std::string& param = {}) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr);
    if (rc != SQLITE_OK) Fail(sql, rc);
    if (!param.empty()) sqlite3_bind_text(stmt, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    std::string first;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      if (first.empty() && sqlite3_column_text(stmt, 0)) {
        first = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      }
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) Fail(sql, rc);
    return first;
  }

  [[noreturn]] void Fail(const std::string& what, int rc) const {
    throw DbError(DbError::Kind::kOther,
                  what + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)));
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

void SnapshotSqlite(const std::string& db_path, const std::string& out_path) {
  if (!std::filesystem::exists(db_path)) {
    throw DbError(DbError::Kind::kOther, "no database at " + db_path);
  }
  const std::string tmp = out_path + ".partial";
  std::filesystem::remove(tmp);
  {
    Handle db(db_path, SQLITE_OPEN_READONLY);
    db.Run("VACUUM INTO ?", tmp);
  }
  std::filesystem::rename(tmp, out_path);
}

void RestoreSqlite(const std::string& snapshot_path, const std::string& db_path) {
  Handle src(snapshot_path, SQLITE_OPEN_READONLY);
  // An intact SQLite file that has been through cfiam's migrations.
  const std::string check = src.Run("PRAGMA quick_check");
  if (check != "ok") {
    throw DbError(DbError::Kind::kOther, snapshot_path + " is damaged: " + check);
  }
  if (src.Run("SELECT name FROM sqlite_master WHERE name = 'schema_migrations'").empty()) {
    throw DbError(DbError::Kind::kOther, snapshot_path + " is not a cfiam database");
  }
  Handle dst(db_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
  if (!backup) dst.Fail("backup", SQLITE_ERROR);
  const int rc = sqlite3_backup_step(backup, -1);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) dst.Fail("restore into " + db_path, rc);
}

bool DataDirLock::TryLock(const std::string& data_dir, Mode mode) {
  std::filesystem::create_directories(data_dir);
  const std::string path = data_dir + "/cfiam.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw DbError(DbError::Kind::kOther, "cannot open " + path);
  return ::flock(fd_, (mode == Mode::kShared ? LOCK_SH : LOCK_EX) | LOCK_NB) == 0;
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace cfiam::store
