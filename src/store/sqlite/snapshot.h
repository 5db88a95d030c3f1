// Snapshots of a SQLite data directory, for `cfiam admin snapshot|restore`
// (docs/emulator.md).
//
// A snapshot is taken online: `VACUUM INTO` on a connection of its own reads
// one consistent WAL snapshot while the server keeps serving (writers are not
// blocked; the copy reflects every commit before it began). A restore needs
// the server stopped: `cfiam serve` holds a shared lock on the data
// directory's lock file for its lifetime, and restore takes it exclusively or
// refuses.
#pragma once

#include <string>

namespace cfiam::store {

// Writes a consistent copy of the database at `db_path` to `out_path`
// (replacing it atomically if it exists). Throws DbError on failure.
void SnapshotSqlite(const std::string& db_path, const std::string& out_path);

// Checks that `snapshot_path` is an intact cfiam database, then replaces the
// database at `db_path` with it (SQLite's backup API, so WAL and journal
// files stay consistent). REQUIRES: no process has the database open (hold
// DataDirLock exclusively). Throws DbError on failure.
void RestoreSqlite(const std::string& snapshot_path, const std::string& db_path);

// An advisory lock on <data dir>/cfiam.lock (flock): shared while serving,
// exclusive while restoring. Released when destroyed or the process exits.
class DataDirLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Returns false when another process holds a conflicting lock.
  bool TryLock(const std::string& data_dir, Mode mode);
  ~DataDirLock();

 private:
  int fd_ = -1;
};

}  // namespace cfiam::store
