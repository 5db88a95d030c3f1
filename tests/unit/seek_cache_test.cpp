// store/seek.h's kept page boundaries: a page found once is sought again
// without walking the index, a later page walks only from the nearest known
// boundary, and nothing kept survives a change of the store, a write
// transaction, or pruning of the change log.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/migrations.h"
#include "store/seek.h"
#include "store/store.h"
#include "temp_store.h"
#include "util/random.h"

namespace cfiam::store {
namespace {

// Forwards to a real transaction and records the OFFSET of every index walk
// (store/seek.cpp's "... LIMIT 1 OFFSET ?"; the oracle's "LIMIT ? OFFSET ?"
// is not one).
class WalkCountingTx : public Tx {
 public:
  explicit WalkCountingTx(std::unique_ptr<Tx> inner) : inner_(std::move(inner)) {}
  std::int64_t Exec(std::string_view sql, const Params& params) override {
    return inner_->Exec(sql, params);
  }
  std::vector<Row> Query(std::string_view sql, const Params& params) override {
    if (sql.find(" LIMIT 1 OFFSET ?") != std::string_view::npos) {
      walks.push_back(std::get<std::int64_t>(params.back()));
    }
    return inner_->Query(sql, params);
  }
  void Commit() override { inner_->Commit(); }
  bool read_only() const override { return inner_->read_only(); }

  std::vector<std::int64_t> walks;  // each walk's OFFSET, in order

 private:
  std::unique_ptr<Tx> inner_;
};

class SeekCacheTest : public TempStoreTest {
 protected:
  void SetUp() override {
    TempStoreTest::SetUp();
    account_.id = NewId();
    account_.name = "A";
    account_.created_on = 1;
    Write([&](Tx& tx) { store_->InsertAccount(tx, account_); });
    for (int i = 0; i < 40; ++i) AddMember(i);
  }
  // Members with ties on created_on (the id breaks them).
  std::string AddMember(int i) {
    User u{NewId(), "m" + std::to_string(i) + "@example.com", "F", "L", false, false, 1};
    Member m;
    m.id = NewId();
    m.account_id = account_.id;
    m.user_id = u.id;
    m.status = "accepted";
    m.created_on = 1000 + i % 5;
    Write([&](Tx& tx) {
      store_->InsertUser(tx, u);
      store_->InsertMember(tx, m);
    });
    return m.id;
  }

  // Page ids through the store's list (the cache in use), in `tx`.
  std::vector<std::string> Page(Tx& tx, std::int64_t offset, std::int64_t limit = 5) {
    MemberQuery q;
    q.account_id = account_.id;
    q.limit = limit;
    q.offset = offset;
    std::vector<std::string> ids;
    for (const auto& mu : store_->ListMembers(tx, q).items) ids.push_back(mu.member.id);
    return ids;
  }

  // The same page by the plain OFFSET query.
  std::vector<std::string> Oracle(Tx& tx, std::int64_t offset, std::int64_t limit = 5) {
    std::vector<std::string> ids;
    for (const Row& r : tx.Query("SELECT id FROM members WHERE account_id = ? ORDER BY "
                                 "created_on, id LIMIT ? OFFSET ?",
                                 {account_.id, limit, offset})) {
      ids.push_back(r.Str(0));
    }
    return ids;
  }

  // The page through the list equals the oracle's (the list runs first).
  void Check(Tx& tx, std::int64_t offset) {
    const auto got = Page(tx, offset);
    EXPECT_EQ(got, Oracle(tx, offset)) << "offset " << offset;
  }

  WalkCountingTx Read() { return WalkCountingTx(store_->Read()); }

  Account account_;
};

TEST_F(SeekCacheTest, AKnownPageIsSoughtWithoutWalking) {
  {
    auto tx = Read();
    Check(tx, 30);
    EXPECT_EQ(tx.walks, (std::vector<std::int64_t>{30}));
  }
  auto tx = Read();
  Check(tx, 30);
  Check(tx, 35);  // from 30's boundary: 5 steps
  Check(tx, 20);  // nothing known before it
  Check(tx, 25);  // from 20's
  Check(tx, 45);  // from 35's; past the end: empty
  Check(tx, 0);   // page 1 never walks
  EXPECT_EQ(tx.walks, (std::vector<std::int64_t>{5, 20, 5, 10}));
}

TEST_F(SeekCacheTest, AChangeMakesEveryKeptBoundaryStale) {
  {
    auto tx = Read();
    for (std::int64_t offset = 5; offset < 40; offset += 5) Page(tx, offset);
  }
  // A member sorting first moves every later boundary by one.
  User u{NewId(), "new@example.com", "F", "L", false, false, 1};
  Member m;
  m.id = std::string(32, '0');
  m.account_id = account_.id;
  m.user_id = u.id;
  m.status = "accepted";
  m.created_on = 1;
  Write([&](Tx& tx) {
    store_->InsertUser(tx, u);
    store_->InsertMember(tx, m);
  });
  auto tx = Read();
  for (std::int64_t offset = 35; offset >= 5; offset -= 5) {
    Check(tx, offset);
  }
  // A delete.
  const std::string first = Page(tx, 0).front();
  Write([&](Tx& w) { EXPECT_TRUE(store_->DeleteMember(w, first)); });
  auto after = Read();
  for (std::int64_t offset = 5; offset < 40; offset += 5) {
    Check(after, offset);
  }
}

TEST_F(SeekCacheTest, AnOlderSnapshotNeverUsesNewerBoundaries) {
  auto old_tx = Read();
  Check(old_tx, 10);  // the old snapshot begins here
  Write([&](Tx& tx) {
    Member m = *store_->GetMember(tx, Oracle(tx, 0, 1).front());
    EXPECT_TRUE(store_->DeleteMember(tx, m.id));
  });
  {
    auto tx = Read();
    Check(tx, 20);  // kept at the new version
  }
  Check(old_tx, 20);
  Check(old_tx, 25);
  EXPECT_EQ(old_tx.walks, (std::vector<std::int64_t>{10, 20, 25}));  // all the way, each time
}

TEST_F(SeekCacheTest, AWriteTransactionNeitherUsesNorKeepsBoundaries) {
  {
    auto tx = Read();
    Page(tx, 20);
  }
  {
    // Its own uncommitted insert moves the boundaries it sees; rolled back.
    WalkCountingTx tx(store_->Write());
    User u{NewId(), "w@example.com", "F", "L", false, false, 1};
    Member m;
    m.id = std::string(32, '0');
    m.account_id = account_.id;
    m.user_id = u.id;
    m.status = "accepted";
    m.created_on = 1;
    store_->InsertUser(tx, u);
    store_->InsertMember(tx, m);
    Check(tx, 20);
    Check(tx, 25);
    EXPECT_EQ(tx.walks, (std::vector<std::int64_t>{20, 25}));
  }
  auto tx = Read();
  Check(tx, 25);
  EXPECT_EQ(tx.walks.front(), 5);  // from 20's boundary, kept before the write
}

TEST_F(SeekCacheTest, PruningTheWholeChangeLogKeepsTheVersionMoving) {
  {
    auto tx = Read();
    Page(tx, 15);
  }
  // Prune everything, change, prune everything again: the log is empty both
  // times, but the store changed in between.
  const auto prune_all = [&] {
    Write([&](Tx& tx) { store_->PruneChanges(tx, store_->LatestChangeSeq(tx), 1000000); });
  };
  prune_all();
  {
    auto tx = Read();
    Check(tx, 15);
  }
  AddMember(-1);  // created_on 1000: sorts among the first
  prune_all();
  auto tx = Read();
  Check(tx, 15);
  Check(tx, 20);
}

TEST(SeekCache, KeepsOnlyTheNewestVersionAndBoundsItsSize) {
  SeekCache cache;
  cache.Put("l", 2, 10, {std::int64_t{1}, "a"});
  EXPECT_FALSE(cache.Nearest("l", 1, 10));
  EXPECT_FALSE(cache.Nearest("l", 3, 10));
  cache.Put("l", 1, 20, {std::int64_t{2}, "b"});  // older: ignored
  auto at = cache.Nearest("l", 2, 25);
  ASSERT_TRUE(at);
  EXPECT_EQ(at->first, 10);
  EXPECT_EQ(at->second.id, "a");
  EXPECT_FALSE(cache.Nearest("l", 2, 9));
  EXPECT_FALSE(cache.Nearest("other", 2, 25));
  cache.Put("m", 3, 5, {std::string("k"), "c"});  // newer: the rest goes
  EXPECT_FALSE(cache.Nearest("l", 3, 25));
  ASSERT_TRUE(cache.Nearest("m", 3, 5));
  // One boundary more than the bound: everything before it is forgotten.
  for (std::int64_t i = 1; i < static_cast<std::int64_t>(SeekCache::kMaxBoundaries); ++i) {
    cache.Put("list" + std::to_string(i % 7), 3, i, {i, "x"});
  }
  ASSERT_TRUE(cache.Nearest("m", 3, 5));
  cache.Put("n", 3, 1, {std::int64_t{1}, "y"});
  EXPECT_FALSE(cache.Nearest("m", 3, 5));
  EXPECT_FALSE(cache.Nearest("list1", 3, 1000000));
  ASSERT_TRUE(cache.Nearest("n", 3, 1));
}

}  // namespace
}  // namespace cfiam::store
