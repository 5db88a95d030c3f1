// The VFS that keeps SQLite sub-journals in memory (store/sqlite/
// memory_subjournal.h): a savepoint rolled back after writing far more than
// SQLite's own 64 KiB in-memory journal restores exactly what was there, with
// the journal in memory (no temp file opened) below the limit and in a real
// temp file past it.
#include "store/sqlite/memory_subjournal.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "util/random.h"

namespace cfiam::store {
namespace {

std::size_t OpenDescriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

class MemorySubjournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-sj-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (db_) sqlite3_close(db_);
    std::filesystem::remove_all(dir_);
  }

  void Open(const char* vfs) {
    const std::string path = (dir_ / "t.db").string();
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    Run("PRAGMA journal_mode=WAL");
    Run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    Run("CREATE INDEX t_v ON t (v)");
    // ~2,000 rows of 200 bytes: ~100 pages of table and ~100 of index.
    Run("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 2000) "
        "INSERT INTO t SELECT i, printf('%0200d', i) FROM s");
  }
  void Run(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << err;
  }
  std::string Digest() {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db_, "SELECT count(*) || ':' || total(length(v)) || ':' || max(v) FROM t",
                       -1, &st, nullptr);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    std::string out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }

  // Inside a batch transaction: a first savepoint that commits, then one that
  // rewrites every row (every page, ~800 KiB of journal) and rolls back.
  // Returns how many descriptors the process had open just before the
  // rollback, minus how many it had when the batch began.
  long RollBackLargeSavepoint() {
    Run("BEGIN IMMEDIATE");
    const std::size_t before = OpenDescriptors();
    Run("SAVEPOINT logical");
    Run("UPDATE t SET v = 'kept' || v WHERE id % 100 = 0");
    Run("RELEASE logical");
    const std::string kept = Digest();
    Run("SAVEPOINT logical");
    Run("UPDATE t SET v = printf('%0300d', id + 7)");
    Run("DELETE FROM t WHERE id % 3 = 0");
    EXPECT_NE(Digest(), kept);
    const long opened = static_cast<long>(OpenDescriptors()) - static_cast<long>(before);
    Run("ROLLBACK TO logical");
    Run("RELEASE logical");
    EXPECT_EQ(Digest(), kept);
    Run("COMMIT");
    EXPECT_EQ(Digest(), kept);
    return opened;
  }

  std::filesystem::path dir_;
  sqlite3* db_ = nullptr;
};

TEST_F(MemorySubjournalTest, RollbackRestoresFromMemoryWithoutATempFile) {
  Open(MemorySubjournalVfs());
  EXPECT_EQ(RollBackLargeSavepoint(), 0);
}

TEST_F(MemorySubjournalTest, PastTheLimitTheJournalSpillsToATempFileAndStillRollsBack) {
  Open(RegisterMemorySubjournalVfs("cfiam-test-subjournal-128k", 128u << 10));
  EXPECT_EQ(RollBackLargeSavepoint(), 1);
}

TEST_F(MemorySubjournalTest, TheDefaultVfsSpillsPast64KiB) {
  // What the VFS is for: SQLite's own sub-journal opens a temp file here.
  Open(nullptr);
  EXPECT_EQ(RollBackLargeSavepoint(), 1);
}

TEST_F(MemorySubjournalTest, RepeatedBatchesOnRecycledBuffersStayCorrect) {
  Open(MemorySubjournalVfs());
  for (int i = 0; i < 5; ++i) EXPECT_EQ(RollBackLargeSavepoint(), 0) << i;
}

}  // namespace
}  // namespace cfiam::store
