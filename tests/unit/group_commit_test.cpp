// The SQLite engine's group commit and the unit of work that API requests
// run in: what is committed survives a reopen, what is rolled back does not,
// and one writer's rollback never takes another's commit with it.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/migrations.h"
#include "store/store.h"
#include "store/unit_of_work.h"
#include "util/clock.h"
#include "util/random.h"

namespace cfiam::store {
namespace {

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-gc-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    ApplyMigrations(*OpenSqlite(path_));
    store_ = std::make_unique<Store>(OpenSqlite(path_));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Account NewAccount(const std::string& name) {
    Account a;
    a.id = NewId();
    a.name = name;
    a.type = "standard";
    a.created_on = NowMicros();
    return a;
  }

  // Counts accounts through a fresh engine, i.e. only what reached the file.
  std::int64_t CountOnDisk() {
    Store fresh(OpenSqlite(path_));
    auto tx = fresh.Read();
    std::int64_t n = 0;
    for (bool more = true; more;) {
      AccountQuery q;
      q.limit = 1000;
      q.offset = n;
      auto page = fresh.ListAccounts(*tx, q);
      n += static_cast<std::int64_t>(page.items.size());
      more = page.items.size() == 1000;
    }
    return n;
  }

  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<Store> store_;
};

TEST_F(GroupCommitTest, ConcurrentCommitsAllReachDiskAndRollbacksDoNot) {
  constexpr int kThreads = 8;
  constexpr int kEach = 40;
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto tx = store_->Write();
        store_->InsertAccount(*tx, NewAccount("t" + std::to_string(t)));
        // Every third transaction of odd threads is abandoned mid-batch.
        if (t % 2 == 1 && i % 3 == 0) continue;
        tx->Commit();
        committed.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(committed.load(), kThreads * kEach - (kThreads / 2) * ((kEach + 2) / 3));
  EXPECT_EQ(CountOnDisk(), committed.load());
}

TEST_F(GroupCommitTest, ACommitIsVisibleToReadersOnceItReturns) {
  const Account a = NewAccount("visible");
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    tx->Commit();
  }
  auto tx = store_->Read();
  EXPECT_TRUE(store_->GetAccount(*tx, a.id).has_value());
}

TEST_F(GroupCommitTest, AFailedStatementLeavesTheTransactionUsable) {
  const Account a = NewAccount("dup");
  auto tx = store_->Write();
  store_->InsertAccount(*tx, a);
  EXPECT_THROW(store_->InsertAccount(*tx, a), DbError);  // same primary key
  store_->InsertAccount(*tx, NewAccount("other"));
  tx->Commit();
  EXPECT_EQ(CountOnDisk(), 2);
}

TEST_F(GroupCommitTest, UnitOfWorkCommitsBorrowedWritesTogether) {
  const Account a = NewAccount("a");
  const Account b = NewAccount("b");
  {
    UnitOfWork unit(*store_);
    ASSERT_EQ(UnitOfWork::Current(), &unit);
    {
      auto tx = store_->Write();  // borrows the unit
      store_->InsertAccount(*tx, a);
      tx->Commit();  // only marks the service's part done
    }
    EXPECT_TRUE(unit.changed());
    {
      auto tx = store_->Read();  // reads see the unit's own uncommitted writes
      EXPECT_TRUE(store_->GetAccount(*tx, a.id).has_value());
    }
    EXPECT_EQ(CountOnDisk(), 0);  // nothing is durable before the unit commits
    store_->InsertAccount(unit.tx(), b);
    unit.Commit();
  }
  EXPECT_EQ(UnitOfWork::Current(), nullptr);
  EXPECT_EQ(CountOnDisk(), 2);
}

TEST_F(GroupCommitTest, UnitOfWorkRollsBackEverythingWhenNotCommitted) {
  {
    UnitOfWork unit(*store_);
    auto tx = store_->Write();
    store_->InsertAccount(*tx, NewAccount("gone"));
    tx->Commit();
    EXPECT_TRUE(unit.changed());
  }
  EXPECT_EQ(CountOnDisk(), 0);
  // The engine is usable afterwards.
  auto tx = store_->Write();
  store_->InsertAccount(*tx, NewAccount("kept"));
  tx->Commit();
  EXPECT_EQ(CountOnDisk(), 1);
}

TEST_F(GroupCommitTest, AnUnchangedUnitReportsNoChange) {
  UnitOfWork unit(*store_);
  {
    auto tx = store_->Write();
    // A service that fails before committing its part.
  }
  EXPECT_FALSE(unit.changed());
}

}  // namespace
}  // namespace cfiam::store
