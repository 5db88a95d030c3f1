// The SQLite engine's group commit and the unit of work that API requests
// run in: what is committed survives a reopen, what is rolled back does not,
// and one writer's rollback never takes another's commit with it.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
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

TEST_F(GroupCommitTest, UnitOfWorkCommitsItsWritesTogetherThenRunsItsHooks) {
  const Account a = NewAccount("a");
  const Account b = NewAccount("b");
  int hooks_run = 0;
  {
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    unit.AfterCommit([&] { ++hooks_run; });
    // The unit's own transaction sees its uncommitted writes...
    EXPECT_TRUE(store_->GetAccount(unit.tx(), a.id).has_value());
    // ...and nothing is durable, nor any hook run, before it commits.
    EXPECT_EQ(CountOnDisk(), 0);
    EXPECT_EQ(hooks_run, 0);
    store_->InsertAccount(unit.tx(), b);
    unit.Commit();
    EXPECT_EQ(hooks_run, 1);
  }
  EXPECT_EQ(CountOnDisk(), 2);
  // Both writes logged their change, in order, in the same transaction.
  auto tx = store_->Read();
  const auto changes = store_->ChangesAfter(*tx, 0, 100);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].kind, ChangeKind::kAccount);
  EXPECT_EQ(changes[0].id, a.id);
  EXPECT_EQ(changes[1].id, b.id);
  EXPECT_LT(changes[0].seq, changes[1].seq);
  EXPECT_EQ(store_->LatestChangeSeq(*tx), changes[1].seq);
}

TEST_F(GroupCommitTest, UnitOfWorkRollsBackEverythingAndDropsItsHooks) {
  bool hook_ran = false;
  {
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), NewAccount("gone"));
    unit.AfterCommit([&] { hook_ran = true; });
  }
  EXPECT_EQ(CountOnDisk(), 0);
  EXPECT_FALSE(hook_ran);
  {
    auto tx = store_->Read();
    EXPECT_TRUE(store_->ChangesAfter(*tx, 0, 100).empty());  // no change-log entry either
  }
  // The engine is usable afterwards.
  auto tx = store_->Write();
  store_->InsertAccount(*tx, NewAccount("kept"));
  tx->Commit();
  EXPECT_EQ(CountOnDisk(), 1);
}

// Tx::OnDurable: a hook runs once its transaction is on disk, before any
// writer of the batch returns from Commit (the concurrent writers here share
// batches), and never for a transaction that rolled back, even when other
// transactions of its batch commit.
TEST_F(GroupCommitTest, DurableHooksRunWhenTheBatchCommitsAndNeverAfterARollback) {
  constexpr int kThreads = 8;
  constexpr int kEach = 30;
  std::atomic<int> ran{0};
  std::atomic<int> ran_late{0};
  std::atomic<int> committed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto tx = store_->Write();
        store_->InsertAccount(*tx, NewAccount("d" + std::to_string(t)));
        bool hook_ran = false;
        const bool abandon = t % 2 == 1 && i % 3 == 0;
        tx->OnDurable([&ran, &hook_ran, abandon, &ran_late] {
          hook_ran = true;
          ran.fetch_add(1);
          if (abandon) ran_late.fetch_add(1);  // must never happen
        });
        if (abandon) {
          tx.reset();  // rolled back; the hook's captures die with this frame
          continue;
        }
        tx->Commit();
        EXPECT_TRUE(hook_ran);  // already, when Commit returned
        committed.fetch_add(1);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ran_late.load(), 0);
  EXPECT_EQ(ran.load(), committed.load());
  EXPECT_EQ(CountOnDisk(), committed.load());
}

// WriteBatch (the change queue's): units committed on the holding thread
// are released into one batch and return at once. Until the batch commits,
// none of them is durable or visible to readers and none of their hooks has
// run; a rolled-back unit among them takes nothing else with it; Commit()
// makes them durable together (one commit), then runs the after-commit
// hooks in commit order, after the durable hooks.
TEST_F(GroupCommitTest, AWriteBatchHoldsItsUnitsUntilItCommitsThemTogether) {
  std::vector<std::string> order;
  const Account a = NewAccount("a");
  const Account b = NewAccount("b");
  {
    WriteBatch batch(*store_);
    EXPECT_TRUE(WriteBatch::Holding());
    {
      UnitOfWork unit(*store_);
      store_->InsertAccount(unit.tx(), a);
      unit.tx().OnDurable([&] { order.push_back("durable a"); });
      unit.AfterCommit([&] { order.push_back("after a"); });
      unit.Commit();
      EXPECT_TRUE(unit.tx().held());
    }
    {
      UnitOfWork unit(*store_);
      store_->InsertAccount(unit.tx(), NewAccount("rolled back"));
      unit.AfterCommit([&] { order.push_back("after rolled back"); });
    }
    {
      UnitOfWork unit(*store_);
      store_->InsertAccount(unit.tx(), b);
      unit.AfterCommit([&] { order.push_back("after b"); });
      unit.Commit();
    }
    EXPECT_TRUE(order.empty());
    EXPECT_EQ(CountOnDisk(), 0);
    {
      auto tx = store_->Read();
      EXPECT_FALSE(store_->GetAccount(*tx, a.id).has_value());
    }
    batch.Commit();
    EXPECT_EQ(order, (std::vector<std::string>{"durable a", "after a", "after b"}));
    EXPECT_EQ(CountOnDisk(), 2);
    auto tx = store_->Read();
    EXPECT_TRUE(store_->GetAccount(*tx, b.id).has_value());
  }
  EXPECT_FALSE(WriteBatch::Holding());
  // Outside a batch, a unit commits durably on its own again.
  UnitOfWork unit(*store_);
  store_->InsertAccount(unit.tx(), NewAccount("c"));
  unit.Commit();
  EXPECT_FALSE(unit.tx().held());
  EXPECT_EQ(CountOnDisk(), 3);
}

// Another thread's writer joins the held batch and may commit it early (it
// finds nobody queued): its commit returns durable, and the holder's
// Commit() then finds its own units durable too, without a second batch.
// A batch left uncommitted is committed when the WriteBatch ends.
TEST_F(GroupCommitTest, AnotherWriterMayCommitAHeldBatchAndTheHolderSeesItDurable) {
  WriteBatch batch(*store_);
  {
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), NewAccount("held"));
    unit.Commit();
  }
  std::thread other([&] {
    EXPECT_FALSE(WriteBatch::Holding());  // a batch is its thread's own
    auto tx = store_->Write();
    store_->InsertAccount(*tx, NewAccount("other"));
    tx->Commit();  // commits the batch it joined: both are durable
  });
  other.join();
  EXPECT_EQ(CountOnDisk(), 2);
  batch.Commit();  // nothing left to commit; no error
  {
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), NewAccount("held at the end"));
    unit.Commit();
  }
  EXPECT_EQ(CountOnDisk(), 2);
}

TEST_F(GroupCommitTest, AWriteBatchEndingUncommittedCommitsWhatItHeld) {
  {
    WriteBatch batch(*store_);
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), NewAccount("held"));
    unit.Commit();
  }
  EXPECT_EQ(CountOnDisk(), 1);
}

// A held batch whose commit fails (here: the WAL may not grow, as on a full
// disk) is lost whole: Commit() throws, none of its after-commit hooks runs,
// nothing of it reaches the file, and the next batch commits normally.
TEST_F(GroupCommitTest, AHeldBatchThatFailsToCommitIsLostWholeAndTheNextOneCommits) {
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, NewAccount("before"));
    tx->Commit();
  }
  const auto wal = std::filesystem::path(path_ + "-wal");
  ASSERT_TRUE(std::filesystem::exists(wal));
  rlimit saved{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails instead
  bool hook_ran = false;
  bool threw = false;
  {
    WriteBatch batch(*store_);
    UnitOfWork unit(*store_);
    // Pages enough that the commit must grow the WAL past its size now.
    store_->InsertAccount(unit.tx(), NewAccount(std::string(200000, 'x')));
    unit.AfterCommit([&] { hook_ran = true; });
    unit.Commit();  // held: nothing written yet
    rlimit low = saved;
    low.rlim_cur = static_cast<rlim_t>(std::filesystem::file_size(wal));
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
    try {
      batch.Commit();
    } catch (const DbError&) {
      threw = true;
    }
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &saved), 0);
  }
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(threw);
  EXPECT_FALSE(hook_ran);
  EXPECT_EQ(CountOnDisk(), 1);
  {
    WriteBatch batch(*store_);
    UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), NewAccount("after"));
    unit.Commit();
    batch.Commit();
  }
  EXPECT_EQ(CountOnDisk(), 2);
}

TEST_F(GroupCommitTest, PruneKeepsTheNewestChangesAndSeqsAreNeverReused) {
  {
    auto tx = store_->Write();
    for (int i = 0; i < 5; ++i) store_->InsertAccount(*tx, NewAccount("n" + std::to_string(i)));
    tx->Commit();
  }
  std::int64_t last = 0;
  {
    auto tx = store_->Write();
    last = store_->LatestChangeSeq(*tx);
    EXPECT_EQ(store_->PruneChanges(*tx, last, 1000), 5);
    store_->InsertAccount(*tx, NewAccount("after"));
    tx->Commit();
  }
  auto tx = store_->Read();
  const auto changes = store_->ChangesAfter(*tx, 0, 100);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_GT(changes[0].seq, last);  // "after seq N" stays meaningful after pruning
}

}  // namespace
}  // namespace cfiam::store
