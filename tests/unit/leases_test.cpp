// store::Leases: acquire, contention, expiry, renew, release, on SQLite and
// on PostgreSQL. The PostgreSQL cases run when CFIAM_TEST_PG_PORT names a
// server (ctest unit_postgres starts one with tests/lib/postgres.mjs); each
// test gets a schema of its own there. Without it they skip, saying so.
#include "store/leases.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/migrations.h"
#include "util/clock.h"
#include "util/random.h"

namespace cfiam::store {

// Test names say the engine (not "4-byte object <01-00 00-00>").
void PrintTo(Dialect d, std::ostream* os) {
  *os << (d == Dialect::kSqlite ? "SQLite" : "PostgreSQL");
}

namespace {

using std::chrono::milliseconds;

class LeaseTest : public ::testing::TestWithParam<Dialect> {
 protected:
  void SetUp() override {
    if (GetParam() == Dialect::kSqlite) {
      dir_ = std::filesystem::temp_directory_path() / ("cfiam-lease-" + RandomHex(8));
      std::filesystem::create_directories(dir_);
      const std::string path = (dir_ / "t.db").string();
      ApplyMigrations(*OpenSqlite(path));
      store_ = std::make_unique<Store>(OpenSqlite(path));
    } else {
      const char* port = std::getenv("CFIAM_TEST_PG_PORT");
      if (!port) GTEST_SKIP() << "no PostgreSQL (run through ctest unit_postgres)";
      base_ = std::string("host=127.0.0.1 user=postgres dbname=postgres port=") + port;
      schema_ = "lease_" + RandomHex(8);
      Admin("CREATE SCHEMA " + schema_);
      const std::string conninfo = base_ + " options='-c search_path=" + schema_ + "'";
      ApplyMigrations(*OpenPostgres(conninfo, 1));
      store_ = std::make_unique<Store>(OpenPostgres(conninfo, 8));
    }
    leases_ = std::make_unique<Leases>(*store_);
  }
  void TearDown() override {
    leases_.reset();
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
    if (!schema_.empty()) Admin("DROP SCHEMA " + schema_ + " CASCADE");
  }
  void Admin(const std::string& sql) {
    Store admin(OpenPostgres(base_, 1));
    auto tx = admin.Write();
    tx->Exec("SET LOCAL client_min_messages = warning");  // no NOTICE per dropped table
    tx->Exec(sql);
    tx->Commit();
  }

  std::unique_ptr<Store> store_;
  std::unique_ptr<Leases> leases_;
  std::filesystem::path dir_;
  std::string base_;
  std::string schema_;
};

TEST_P(LeaseTest, AFreeLeaseIsAcquired) {
  EXPECT_FALSE(leases_->Get("job"));
  EXPECT_TRUE(leases_->Acquire("job", "node-a", milliseconds(60000)));
  const auto lease = leases_->Get("job");
  ASSERT_TRUE(lease);
  EXPECT_EQ(lease->holder, "node-a");
  // Expiry by the database's clock, a lease time from now.
  EXPECT_GT(lease->expires_at, lease->now + 50'000'000);
  EXPECT_LE(lease->expires_at, lease->now + 60'000'000);
}

TEST_P(LeaseTest, ALiveLeaseOfAnotherNodeIsRefused) {
  ASSERT_TRUE(leases_->Acquire("job", "node-a", milliseconds(60000)));
  EXPECT_FALSE(leases_->Acquire("job", "node-b", milliseconds(60000)));
  EXPECT_FALSE(leases_->Renew("job", "node-b", milliseconds(60000)));
  leases_->Release("job", "node-b");  // not b's: no effect
  EXPECT_EQ(leases_->Get("job")->holder, "node-a");
}

TEST_P(LeaseTest, TheHolderRenewsByAcquiringOrRenewing) {
  ASSERT_TRUE(leases_->Acquire("job", "node-a", milliseconds(1000)));
  const auto first = leases_->Get("job")->expires_at;
  EXPECT_TRUE(leases_->Acquire("job", "node-a", milliseconds(60000)));
  const auto second = leases_->Get("job")->expires_at;
  EXPECT_GT(second, first + 50'000'000);
  EXPECT_TRUE(leases_->Renew("job", "node-a", milliseconds(120000)));
  EXPECT_GT(leases_->Get("job")->expires_at, second + 50'000'000);
}

TEST_P(LeaseTest, AnExpiredLeaseIsTakenOverAndItsOldHolderLosesIt) {
  ASSERT_TRUE(leases_->Acquire("job", "node-a", milliseconds(100)));
  EXPECT_FALSE(leases_->Acquire("job", "node-b", milliseconds(60000)));
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_TRUE(leases_->Acquire("job", "node-b", milliseconds(60000)));
  EXPECT_EQ(leases_->Get("job")->holder, "node-b");
  // The old holder's renewal says it lost the job; its release changes nothing.
  EXPECT_FALSE(leases_->Renew("job", "node-a", milliseconds(60000)));
  leases_->Release("job", "node-a");
  EXPECT_EQ(leases_->Get("job")->holder, "node-b");
}

TEST_P(LeaseTest, AReleasedLeaseIsFreeAtOnce) {
  ASSERT_TRUE(leases_->Acquire("job", "node-a", milliseconds(60000)));
  leases_->Release("job", "node-a");
  EXPECT_FALSE(leases_->Get("job"));
  EXPECT_FALSE(leases_->Renew("job", "node-a", milliseconds(60000)));
  EXPECT_TRUE(leases_->Acquire("job", "node-b", milliseconds(60000)));
}

TEST_P(LeaseTest, TakeSupersedesALiveHolder) {
  ASSERT_TRUE(leases_->Acquire("sso:1", "node-a", milliseconds(60000)));
  leases_->Take("sso:1", "node-b", milliseconds(60000));
  EXPECT_EQ(leases_->Get("sso:1")->holder, "node-b");
  EXPECT_FALSE(leases_->Renew("sso:1", "node-a", milliseconds(60000)));
}

TEST_P(LeaseTest, RenewAllAnswersWhatTheHolderStillHolds) {
  ASSERT_TRUE(leases_->Acquire("sso:1", "node-a", milliseconds(60000)));
  ASSERT_TRUE(leases_->Acquire("sso:2", "node-a", milliseconds(100)));
  ASSERT_TRUE(leases_->Acquire("ssox3", "node-a", milliseconds(60000)));  // not the prefix
  ASSERT_TRUE(leases_->Acquire("audit-retention", "node-a", milliseconds(60000)));
  std::this_thread::sleep_for(milliseconds(150));
  ASSERT_TRUE(leases_->Acquire("sso:2", "node-b", milliseconds(60000)));
  const auto before = leases_->Get("sso:1")->expires_at;
  // '_' and '%' in the prefix are literal.
  EXPECT_EQ(leases_->RenewAll("ss_:", "node-a", milliseconds(120000)), std::vector<std::string>{});
  EXPECT_EQ(leases_->RenewAll("sso:", "node-a", milliseconds(120000)),
            std::vector<std::string>{"sso:1"});
  EXPECT_GT(leases_->Get("sso:1")->expires_at, before + 50'000'000);
  EXPECT_EQ(leases_->Get("sso:2")->holder, "node-b");
}

TEST_P(LeaseTest, OfManyContendersExactlyOneGetsIt) {
  for (int round = 0; round < 3; ++round) {
    const std::string name = "job-" + std::to_string(round);
    if (round == 2) {
      // An expired lease: contended the same way.
      ASSERT_TRUE(leases_->Acquire(name, "old", milliseconds(100)));
      std::this_thread::sleep_for(milliseconds(150));
    }
    std::atomic<int> winners{0};
    std::vector<std::thread> nodes;
    for (int i = 0; i < 6; ++i) {
      nodes.emplace_back([&, i] {
        if (leases_->Acquire(name, "node-" + std::to_string(i), milliseconds(60000))) ++winners;
      });
    }
    for (auto& t : nodes) t.join();
    EXPECT_EQ(winners.load(), 1) << name;
  }
}

TEST_P(LeaseTest, AJustBegunSsoCheckIsHeldAnExpiredOneIsListedForTakeOver) {
  {
    auto tx = store_->Write();
    Account a;
    a.id = "acc";
    a.name = "A";
    store_->InsertAccount(*tx, a);
    SsoConnector c;
    c.id = "c1";
    c.account_id = "acc";
    c.email_domain = "one.test";
    c.verification_code = "code";
    c.verification_status = "pending";
    c.verification_generation = 1;
    store_->InsertSsoConnector(*tx, c);
    c.id = "c2";
    c.email_domain = "two.test";
    store_->InsertSsoConnector(*tx, c);
    // c1 is begun with its lease in the same transaction; c2's never was.
    Leases::TakeIn(*tx, store_->dialect(), "sso:c1", "node-a", milliseconds(100));
    tx->Commit();
  }
  auto unheld = [&] {
    auto tx = store_->Read();
    std::vector<std::string> ids;
    for (const auto& c : store_->ListUnleasedPendingSsoConnectors(*tx)) ids.push_back(c.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  EXPECT_EQ(unheld(), std::vector<std::string>{"c2"});
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_EQ(unheld(), (std::vector<std::string>{"c1", "c2"}));
}

TEST_P(LeaseTest, ExpiredLeasesOfConnectorsNoLongerPendingAreDropped) {
  {
    auto tx = store_->Write();
    Account a;
    a.id = "acc";
    a.name = "A";
    store_->InsertAccount(*tx, a);
    SsoConnector c;
    c.id = "c1";
    c.account_id = "acc";
    c.email_domain = "one.test";
    c.verification_code = "code";
    c.verification_status = "pending";
    c.verification_generation = 1;
    store_->InsertSsoConnector(*tx, c);
    tx->Commit();
  }
  ASSERT_TRUE(leases_->Acquire("sso:c1", "node-a", milliseconds(100)));       // pending
  ASSERT_TRUE(leases_->Acquire("sso:gone", "node-a", milliseconds(100)));     // deleted
  ASSERT_TRUE(leases_->Acquire("sso:gone2", "node-a", milliseconds(60000)));  // live
  ASSERT_TRUE(leases_->Acquire("audit-retention", "node-a", milliseconds(100)));
  std::this_thread::sleep_for(milliseconds(150));
  std::int64_t dropped = 0;
  store_->WriteRetrying([&](Tx& tx) { dropped = store_->DropOrphanSsoLeases(tx); });
  EXPECT_EQ(dropped, 1);
  EXPECT_FALSE(leases_->Get("sso:gone"));
  EXPECT_TRUE(leases_->Get("sso:c1"));
  EXPECT_TRUE(leases_->Get("sso:gone2"));
  EXPECT_TRUE(leases_->Get("audit-retention"));
}

TEST_P(LeaseTest, ALeasedJobRunsOnOneNodeUntilItIsReleasedOrExpires) {
  LeasedJob a(*leases_, "audit-retention", "node-a", milliseconds(150));
  LeasedJob b(*leases_, "audit-retention", "node-b", milliseconds(150));
  EXPECT_TRUE(a.Hold());
  EXPECT_FALSE(b.Hold());
  EXPECT_TRUE(a.Hold());  // still a's, pass after pass
  a.Release();
  EXPECT_TRUE(b.Hold());
  EXPECT_FALSE(a.Hold());
  // b stops renewing (it died): a takes over once the term has passed.
  std::this_thread::sleep_for(milliseconds(200));
  EXPECT_TRUE(a.Hold());
  EXPECT_EQ(leases_->Get("audit-retention")->holder, "node-a");
}

// PostgreSQL only: a contender never waits for a row another one has locked
// (SQLite has one writer: there a contender waits its turn by design).
TEST_P(LeaseTest, ALockedLeaseRowIsSkippedNotWaitedFor) {
  if (GetParam() != Dialect::kPostgres) GTEST_SKIP() << "SKIP LOCKED is PostgreSQL's";
  ASSERT_TRUE(leases_->Acquire("job", "node-a", milliseconds(100)));
  std::this_thread::sleep_for(milliseconds(150));  // expired: anyone's to take
  auto locker = store_->Write();
  ASSERT_EQ(locker->Query("SELECT holder FROM leases WHERE name = 'job' FOR UPDATE").size(), 1u);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(leases_->Acquire("job", "node-b", milliseconds(60000)));
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds(2000));
  locker.reset();  // rolls back
  EXPECT_TRUE(leases_->Acquire("job", "node-b", milliseconds(60000)));
}

INSTANTIATE_TEST_SUITE_P(Engines, LeaseTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres),
                         [](const auto& info) {
                           return info.param == Dialect::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace cfiam::store
