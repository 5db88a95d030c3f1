// The change feed: the in-memory authorization state moves only by applying
// committed change-log entries, so a change that rolls back touches nothing,
// and changes other processes commit arrive too.
#include "auth/change_feed.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>

#include "auth/digest.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/unit_of_work.h"
#include "util/clock.h"
#include "util/random.h"

namespace cfiam::auth {
namespace {

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-feed-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    store::ApplyMigrations(*store::OpenSqlite(path_));
    store_ = std::make_unique<store::Store>(store::OpenSqlite(path_));
    feed_ = std::make_unique<ChangeFeed>(*store_, directory_, catalog_);
  }
  void TearDown() override {
    feed_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static Account NewAccount() {
    Account a;
    a.id = NewId();
    a.name = "acme";
    a.created_on = NowMicros();
    return a;
  }
  static Token NewToken(const std::string& account_id, const std::string& secret) {
    Token t;
    t.id = NewId();
    t.owner_kind = "account";
    t.account_id = account_id;
    t.name = "t";
    t.secret_digest = Sha256Hex(secret);
    t.issued_on = t.modified_on = NowMicros();
    return t;
  }

  std::filesystem::path dir_;
  std::string path_;
  const Catalog catalog_;
  Directory directory_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_F(ChangeFeedTest, AppliesCommittedChangesOnlyWhenCaughtUp) {
  feed_->Load();
  const Account a = NewAccount();
  const Token t = NewToken(a.id, "secret-1");
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    store_->InsertToken(unit.tx(), t);
    unit.Commit();
  }
  // Committed, not yet applied: the state changes only through the feed.
  EXPECT_EQ(directory_.FindTokenById(t.id), nullptr);
  const std::int64_t at = feed_->CatchUp();
  auto tx = store_->Read();
  EXPECT_EQ(at, store_->LatestChangeSeq(*tx));
  EXPECT_EQ(feed_->applied(), at);
  auto live = directory_.FindTokenByDigest(t.secret_digest);
  ASSERT_NE(live, nullptr);
  EXPECT_EQ(live->id, t.id);
  ASSERT_NE(live->policy, nullptr);  // compiled on apply
  EXPECT_TRUE(directory_.AccountExists(a.id));
}

// The writers of one batch wake together; a catch-up that began after a
// change committed answers for it, and one that began before does not.
TEST_F(ChangeFeedTest, CatchUpSinceReadsOnlyWhenNoLaterCatchUpHasRun) {
  Micros now = 1'000;
  feed_->set_clock([&] { return now; });
  feed_->Load();
  const Account a = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    unit.Commit();
  }
  const Micros committed = now;  // a clock read after the commit returned
  now += 10;
  feed_->CatchUp();  // began after that commit: it applied the account
  ASSERT_TRUE(directory_.AccountExists(a.id));

  // A second change commits; the catch-up above began before it.
  const Account b = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), b);
    unit.Commit();
  }
  // For the first change nothing is read again (b stays unapplied)...
  feed_->CatchUpSince(committed);
  EXPECT_FALSE(directory_.AccountExists(b.id));
  // ...but for the second, committed after that catch-up began, it is.
  now += 10;
  feed_->CatchUpSince(now);
  EXPECT_TRUE(directory_.AccountExists(b.id));
  // Equal times do not count as later: a catch-up that began in the same
  // microsecond as the commit might have read before it.
  const Account c = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), c);
    unit.Commit();
  }
  feed_->CatchUpSince(now);
  EXPECT_TRUE(directory_.AccountExists(c.id));
}

// After-images (this node's new users and members) give exactly the state
// reading back gives: compared with a directory loaded from the store, over
// writes whose image may stand (a new user, a new member with roles out of
// order) and writes whose entity a later entry of the same catch-up changes
// (updated, given an API key, deleted with its account), where the feed must
// read back instead.
TEST_F(ChangeFeedTest, AfterImagesApplyExactlyWhatReadingBackGives) {
  feed_->Load();
  const Account a = NewAccount();
  const Account b = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    store_->InsertAccount(unit.tx(), b);
    unit.Commit();
  }
  feed_->CatchUp();
  const std::uint64_t before = feed_->images_applied();
  auto new_user = [](const std::string& email) {
    User u;
    u.id = NewId();
    u.email = email;
    u.first_name = "F " + email;
    u.two_factor = true;
    u.created_on = NowMicros();
    return u;
  };
  auto new_member = [](const Account& acc, const User& u) {
    Member m;
    m.id = NewId();
    m.account_id = acc.id;
    m.user_id = u.id;
    m.status = "accepted";
    m.role_ids = {"ffff" + std::string(28, '0'), "0000" + std::string(28, 'f')};  // not in order
    m.created_on = NowMicros();
    return m;
  };
  std::vector<User> users;
  std::vector<Member> members;
  auto add = [&](const Account& acc, const std::string& email, bool with_policy) {
    store::UnitOfWork unit(*store_);
    users.push_back(new_user(email));
    store_->InsertUser(unit.tx(), users.back());
    members.push_back(new_member(acc, users.back()));
    if (with_policy) {
      Policy p;
      p.id = NewId();
      p.permission_group_ids = {NewId()};
      members.back().policies = {p};
    }
    store_->InsertMember(unit.tx(), members.back());
    unit.Commit();
  };
  add(a, "plain@example.com", false);    // user and member from their images
  add(a, "policy@example.com", true);    // the user's image; the member is read back
  add(a, "updated@example.com", false);  // the user's image; the member is updated below
  add(a, "keyed@example.com", false);    // the user gets a key below: both read back
  add(b, "gone@example.com", false);     // the user's image; the member goes with b below
  {
    store::UnitOfWork unit(*store_);
    Member m = members[2];
    m.status = "rejected";
    m.role_ids = {"1234" + std::string(28, '0')};
    store_->UpdateMember(unit.tx(), m);
    store_->SetApiKeyDigest(unit.tx(), users[3].id, Sha256Hex("api-key"));
    store_->DeleteAccount(unit.tx(), b.id);
    unit.Commit();
  }
  feed_->CatchUp();  // every entry above in one catch-up
  EXPECT_EQ(feed_->images_applied() - before, 5u);

  Directory read_back;
  read_back.Load(*store_, catalog_);
  for (const User& u : users) {
    auto got = directory_.FindUser(u.id);
    auto want = read_back.FindUser(u.id);
    ASSERT_NE(got, nullptr);
    ASSERT_NE(want, nullptr);
    EXPECT_EQ(got->email, want->email);
    EXPECT_EQ(got->first_name, want->first_name);
    EXPECT_EQ(got->last_name, want->last_name);
    EXPECT_EQ(got->two_factor, want->two_factor);
    EXPECT_EQ(got->tenant_admin, want->tenant_admin);
    EXPECT_EQ(got->created_on, want->created_on);
  }
  auto keyed = directory_.FindUserByApiKeyDigest(Sha256Hex("api-key"));
  ASSERT_NE(keyed, nullptr);
  EXPECT_EQ(keyed->id, users[3].id);
  for (const Member& m : members) {
    auto got = directory_.FindMember(m.account_id, m.user_id);
    auto want = read_back.FindMember(m.account_id, m.user_id);
    ASSERT_EQ(got == nullptr, want == nullptr) << m.user_id;
    if (!want) continue;
    EXPECT_EQ(got->id, want->id);
    EXPECT_EQ(got->status, want->status);
    EXPECT_EQ(got->created_on, want->created_on);
    EXPECT_EQ(got->role_ids, want->role_ids);
    ASSERT_EQ(got->policies.size(), want->policies.size());
    for (std::size_t i = 0; i < got->policies.size(); ++i) {
      EXPECT_EQ(got->policies[i].id, want->policies[i].id);
      EXPECT_EQ(got->policies[i].permission_group_ids, want->policies[i].permission_group_ids);
    }
  }
  EXPECT_EQ(directory_.FindMember(b.id, users[4].id), nullptr);  // gone with its account
  EXPECT_EQ(directory_.FindMember(a.id, users[2].id)->status, "rejected");
}

// An image is handed over only once its change is durable: one that rolls
// back offers none, even though SQLite gives its seq to the next change.
TEST_F(ChangeFeedTest, ARolledBackChangeOffersNoImage) {
  feed_->Load();
  const Account a = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    unit.Commit();
  }
  feed_->CatchUp();
  User u;
  u.id = NewId();
  u.email = "rolled-back@example.com";
  {
    store::UnitOfWork unit(*store_);
    store_->InsertUser(unit.tx(), u);
  }  // rolled back
  const Account b = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), b);  // takes the seq the user's entry had
    unit.Commit();
  }
  feed_->CatchUp();
  EXPECT_EQ(directory_.FindUser(u.id), nullptr);
  EXPECT_TRUE(directory_.AccountExists(b.id));
  EXPECT_EQ(feed_->images_applied(), 0u);
}

TEST_F(ChangeFeedTest, AChangeThatRollsBackTouchesNothing) {
  feed_->Load();
  const Account a = NewAccount();
  {
    store::UnitOfWork unit(*store_);
    store_->InsertAccount(unit.tx(), a);
    store_->InsertToken(unit.tx(), NewToken(a.id, "never"));
  }  // not committed
  const std::int64_t before = feed_->applied();
  EXPECT_EQ(feed_->CatchUp(), before);
  EXPECT_FALSE(directory_.AccountExists(a.id));
  EXPECT_EQ(directory_.FindTokenByDigest(Sha256Hex("never")), nullptr);
}

TEST_F(ChangeFeedTest, DeletesAndRevocationsApply) {
  const Account a = NewAccount();
  const Token t = NewToken(a.id, "secret-2");
  User u{NewId(), "u@example.com", "", "", false, false, NowMicros()};
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, t);
    store_->InsertUser(*tx, u);
    store_->SetApiKeyDigest(*tx, u.id, Sha256Hex("key"));
    Member m;
    m.id = NewId();
    m.account_id = a.id;
    m.user_id = u.id;
    m.status = "accepted";
    m.created_on = NowMicros();
    store_->InsertMember(*tx, m);
    tx->Commit();
  }
  feed_->Load();  // start-up sees all of it
  ASSERT_NE(directory_.FindUserByApiKeyDigest(Sha256Hex("key")), nullptr);
  ASSERT_NE(directory_.FindMember(a.id, u.id), nullptr);
  std::vector<std::string> erased;
  feed_->on_token_erased = [&](const std::string& id) { erased.push_back(id); };
  {
    store::UnitOfWork unit(*store_);
    store_->ClearApiKey(unit.tx(), u.id);
    store_->DeleteToken(unit.tx(), t.id);
    unit.Commit();
  }
  feed_->CatchUp();
  EXPECT_EQ(directory_.FindUserByApiKeyDigest(Sha256Hex("key")), nullptr);
  EXPECT_NE(directory_.FindUser(u.id), nullptr);
  EXPECT_EQ(directory_.FindTokenById(t.id), nullptr);
  EXPECT_EQ(erased, std::vector<std::string>{t.id});
  {
    store::UnitOfWork unit(*store_);
    store_->DeleteAccount(unit.tx(), a.id);
    unit.Commit();
  }
  feed_->CatchUp();
  EXPECT_FALSE(directory_.AccountExists(a.id));
  EXPECT_EQ(directory_.FindMember(a.id, u.id), nullptr);  // with everything under it
}

TEST_F(ChangeFeedTest, ChangesAnotherProcessCommitsArrive) {
  feed_->Load();
  const Account a = NewAccount();
  {
    store::Store other(store::OpenSqlite(path_));  // e.g. `cfiam admin`, or another node
    auto tx = other.Write();
    other.InsertAccount(*tx, a);
    tx->Commit();
  }
  feed_->CatchUp();
  EXPECT_TRUE(directory_.AccountExists(a.id));
}

TEST_F(ChangeFeedTest, PruneKeepsWhatIsNotYetFarBehind) {
  feed_->Load();
  {
    auto tx = store_->Write();
    for (int i = 0; i < 30; ++i) store_->InsertAccount(*tx, NewAccount());
    tx->Commit();
  }
  feed_->CatchUp();
  EXPECT_EQ(feed_->Prune(/*keep=*/10, /*limit=*/1000), 20);
  EXPECT_EQ(feed_->Prune(10, 1000), 0);  // nothing new: no write at all
  auto tx = store_->Read();
  EXPECT_EQ(store_->ChangesAfter(*tx, 0, 100).size(), 10u);
}

// Where concurrent transactions commit out of seq order (PostgreSQL), a
// late commit below the newest applied seq must still be applied.
TEST_F(ChangeFeedTest, ALateCommitBelowTheNewestSeqIsNotSkipped) {
  feed_->Load();
  const Account a = NewAccount();
  const Token late = NewToken(a.id, "late");
  const Token early = NewToken(a.id, "early");
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, late);
    store_->InsertToken(*tx, early);
    // Re-number the log as if `late` drew seq base+5 and `early` base+10,
    // and `late` had not committed yet when `early` did.
    tx->Exec("DELETE FROM change_log WHERE kind = 'token'");
    tx->Commit();
  }
  std::int64_t base = 0;
  auto log_token = [&](std::int64_t seq, const Token& t) {
    auto tx = store_->Write();
    tx->Exec(
        "INSERT INTO change_log (seq, kind, id, account_id, user_id, time) "
        "VALUES (?, 'token', ?, ?, '', 0)",
        {seq, t.id, t.account_id});
    tx->Commit();
  };
  {
    auto tx = store_->Read();
    base = store_->LatestChangeSeq(*tx);
  }
  log_token(base + 10, early);
  EXPECT_EQ(feed_->CatchUp(), base + 10);
  EXPECT_NE(directory_.FindTokenById(early.id), nullptr);
  EXPECT_EQ(directory_.FindTokenById(late.id), nullptr);  // not logged yet
  EXPECT_EQ(feed_->floor(), base);                        // seqs base+1..base+9 are still open
  log_token(base + 5, late);                              // the late commit
  EXPECT_EQ(feed_->CatchUp(), base + 10);
  EXPECT_NE(directory_.FindTokenById(late.id), nullptr);
  // Gaps that never fill are given up on after the timeout.
  feed_->set_gap_timeout(0);
  feed_->CatchUp();
  EXPECT_EQ(feed_->floor(), base + 10);
  EXPECT_EQ(feed_->reloads(), 0u);  // a gap nobody pruned is no reason to reload
}

// Another node pruned entries this one had not applied yet (it was stalled):
// the hole right after its floor lies below the pruned watermark, so it
// reloads the whole state instead of taking the hole for rolled-back seqs.
TEST_F(ChangeFeedTest, EntriesPrunedBeforeThisNodeAppliedThemForceAReload) {
  feed_->Load();
  const Account a = NewAccount();
  std::vector<Token> tokens;
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    for (int i = 0; i < 5; ++i) {
      tokens.push_back(NewToken(a.id, "pruned-" + std::to_string(i)));
      store_->InsertToken(*tx, tokens.back());
    }
    tx->Commit();
  }
  {
    // A node further ahead prunes everything it has applied.
    store::Store other(store::OpenSqlite(path_));
    Directory other_directory;
    ChangeFeed ahead(other, other_directory, catalog_);
    ahead.Load();
    EXPECT_EQ(ahead.Prune(/*keep=*/0, /*limit=*/1000), 6);
    auto tx = other.Write();
    other.InsertAccount(*tx, NewAccount());  // an entry after the hole
    tx->Commit();
  }
  feed_->CatchUp();
  EXPECT_EQ(feed_->reloads(), 1u);
  EXPECT_TRUE(directory_.AccountExists(a.id));
  for (const Token& t : tokens) EXPECT_NE(directory_.FindTokenById(t.id), nullptr) << t.id;
  auto tx = store_->Read();
  EXPECT_EQ(feed_->applied(), store_->LatestChangeSeq(*tx));
  feed_->CatchUp();  // caught up now: no second reload
  EXPECT_EQ(feed_->reloads(), 1u);
}

// A Db that can be taken down: every new transaction fails as an outage would.
class SwitchableDb : public store::Db {
 public:
  SwitchableDb(std::unique_ptr<store::Db> inner, const std::atomic<bool>& down)
      : inner_(std::move(inner)), down_(down) {}
  std::unique_ptr<store::Tx> Begin(bool write) override {
    if (down_.load()) throw store::DbError(store::DbError::Kind::kUnavailable, "store down");
    return inner_->Begin(write);
  }
  store::Dialect dialect() const override { return inner_->dialect(); }
  void Probe() override { inner_->Probe(); }

 private:
  std::unique_ptr<store::Db> inner_;
  const std::atomic<bool>& down_;
};

// A Db whose reads of one table fail, as an outage in the middle of a
// catch-up would: after the change log was read, before the entity was.
class FailingReadsDb : public store::Db {
 public:
  FailingReadsDb(std::unique_ptr<store::Db> inner, const std::atomic<bool>& failing,
                 std::string needle)
      : inner_(std::move(inner)), failing_(failing), needle_(std::move(needle)) {}
  std::unique_ptr<store::Tx> Begin(bool write) override {
    return std::make_unique<FailingTx>(inner_->Begin(write), *this);
  }
  store::Dialect dialect() const override { return inner_->dialect(); }
  void Probe() override { inner_->Probe(); }

 private:
  class FailingTx : public store::Tx {
   public:
    FailingTx(std::unique_ptr<store::Tx> inner, const FailingReadsDb& db)
        : inner_(std::move(inner)), db_(db) {}
    std::int64_t Exec(std::string_view sql, const store::Params& params) override {
      return inner_->Exec(sql, params);
    }
    std::vector<store::Row> Query(std::string_view sql, const store::Params& params) override {
      if (db_.failing_.load() && sql.find(db_.needle_) != std::string_view::npos) {
        throw store::DbError(store::DbError::Kind::kUnavailable, "connection lost");
      }
      return inner_->Query(sql, params);
    }
    void Commit() override { inner_->Commit(); }
    bool read_only() const override { return inner_->read_only(); }

   private:
    std::unique_ptr<store::Tx> inner_;
    const FailingReadsDb& db_;
  };

  std::unique_ptr<store::Db> inner_;
  const std::atomic<bool>& failing_;
  std::string needle_;
};

// A store that fails while a revocation is being applied must not make the
// feed skip it: the token would stay valid on this node for good.
TEST_F(ChangeFeedTest, AStoreFailureWhileApplyingSkipsNothing) {
  std::atomic<bool> failing{false};
  store::Store store(
      std::make_unique<FailingReadsDb>(store::OpenSqlite(path_), failing, "FROM tokens WHERE id"));
  Directory directory;
  ChangeFeed feed(store, directory, catalog_);
  const Account a = NewAccount();
  const Token t = NewToken(a.id, "revoked");
  const Token other = NewToken(a.id, "other");
  {
    auto tx = store.Write();
    store.InsertAccount(*tx, a);
    store.InsertToken(*tx, t);
    tx->Commit();
  }
  feed.Load();
  ASSERT_NE(directory.FindTokenById(t.id), nullptr);
  const std::int64_t before = feed.applied();
  {
    auto tx = store.Write();
    store.DeleteToken(*tx, t.id);
    tx->Commit();
  }
  {
    auto tx = store.Write();
    store.InsertToken(*tx, other);
    tx->Commit();
  }
  failing = true;
  EXPECT_THROW(feed.CatchUp(), store::DbError);
  EXPECT_EQ(feed.applied(), before);  // stopped before the entry it could not read
  EXPECT_EQ(directory.FindTokenById(other.id), nullptr);
  failing = false;
  feed.CatchUp();
  EXPECT_EQ(directory.FindTokenById(t.id), nullptr);  // the revocation holds
  EXPECT_NE(directory.FindTokenById(other.id), nullptr);
  EXPECT_GT(feed.applied(), before);
}

// An entry whose token cannot be compiled here (a permission group this
// node does not know, say) drops the token rather than keep the grant its
// previous policy gave; the entries after it still apply.
TEST_F(ChangeFeedTest, ATokenThatCannotBeAppliedIsDroppedNotKept) {
  const Account a = NewAccount();
  Token t = NewToken(a.id, "narrowed");
  const Token later = NewToken(a.id, "later");
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, t);
    tx->Commit();
  }
  feed_->Load();
  ASSERT_NE(directory_.FindTokenById(t.id), nullptr);
  std::vector<std::string> erased;
  feed_->on_token_erased = [&](const std::string& id) { erased.push_back(id); };
  t.policies_json = R"([{"effect":"allow","permission_groups":[{"id":"unknown-to-this-node"}],)"
                    R"("resources":{"com.cloudflare.api.account.*":"*"}}])";
  {
    auto tx = store_->Write();
    store_->UpdateToken(*tx, t);
    store_->InsertToken(*tx, later);
    tx->Commit();
  }
  feed_->CatchUp();
  EXPECT_EQ(directory_.FindTokenById(t.id), nullptr);
  EXPECT_EQ(erased, std::vector<std::string>{t.id});
  EXPECT_NE(directory_.FindTokenById(later.id), nullptr);
}

// The same at start-up: the token is left out, the rest loads.
TEST_F(ChangeFeedTest, ATokenThatCannotBeCompiledIsLeftOutAtLoad) {
  const Account a = NewAccount();
  Token bad = NewToken(a.id, "bad");
  bad.policies_json = R"([{"effect":"allow","permission_groups":[{"id":"unknown-to-this-node"}],)"
                      R"("resources":{"com.cloudflare.api.account.*":"*"}}])";
  const Token good = NewToken(a.id, "good");
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, bad);
    store_->InsertToken(*tx, good);
    tx->Commit();
  }
  ASSERT_NO_THROW(feed_->Load());
  EXPECT_EQ(directory_.FindTokenById(bad.id), nullptr);
  EXPECT_NE(directory_.FindTokenById(good.id), nullptr);
}

// The 1 s bound's bookkeeping, on an injected clock: a successful read
// confirms the state as of when it began; a failed one confirms nothing.
TEST_F(ChangeFeedTest, ConfirmationDatesFromWhenASuccessfulReadBegan) {
  std::atomic<bool> down{false};
  store::Store store(std::make_unique<SwitchableDb>(store::OpenSqlite(path_), down));
  Directory directory;
  ChangeFeed feed(store, directory, catalog_);
  Micros now = 1'000'000'000;
  feed.set_clock([&] { return now; });
  EXPECT_FALSE(feed.ConfirmedWithin(500'000));  // never confirmed yet
  feed.Load();
  EXPECT_EQ(feed.confirmed_at(), now);
  EXPECT_TRUE(feed.ConfirmedWithin(0));

  now += 600'000;
  EXPECT_FALSE(feed.ConfirmedWithin(500'000));
  EXPECT_TRUE(feed.ConfirmedWithin(1'000'000));
  EXPECT_TRUE(feed.Confirm(0));
  EXPECT_EQ(feed.confirmed_at(), now);
  EXPECT_EQ(feed.ConfirmationAge(), 0);

  // Time passes while a catch-up applies entries: it confirms when it began.
  const Account a = NewAccount();
  const Token t = NewToken(a.id, "began");
  {
    auto tx = store.Write();
    store.InsertAccount(*tx, a);
    store.InsertToken(*tx, t);
    tx->Commit();
  }
  feed.CatchUp();
  {
    auto tx = store.Write();
    store.DeleteToken(*tx, t.id);
    tx->Commit();
  }
  now += 100'000;
  const Micros began = now;
  feed.on_token_erased = [&](const std::string&) { now += 5'000'000; };
  EXPECT_TRUE(feed.Confirm(0));
  EXPECT_EQ(feed.confirmed_at(), began);
  EXPECT_EQ(feed.ConfirmationAge(), 5'000'000);
  feed.on_token_erased = nullptr;

  // The store goes away: nothing more is confirmed, the age grows.
  down = true;
  const Micros last = feed.confirmed_at();
  now = last + 700'000;
  EXPECT_FALSE(feed.Confirm(0));
  EXPECT_THROW(feed.CatchUp(), store::DbError);
  EXPECT_EQ(feed.confirmed_at(), last);
  EXPECT_TRUE(feed.ConfirmedWithin(1'000'000));
  now = last + 1'000'001;
  EXPECT_FALSE(feed.ConfirmedWithin(1'000'000));
  // Back: the next confirmation succeeds.
  down = false;
  EXPECT_TRUE(feed.Confirm(0));
  EXPECT_EQ(feed.confirmed_at(), now);
}

// A read answered from memory at the feed's position (a kept list page on
// the I/O thread) must show every change this node acknowledged: while a
// change's own catch-up has failed, the state still counts as confirmed (the
// 1 s bound), but no position is offered until a catch-up that began after
// the commit succeeds.
TEST_F(ChangeFeedTest, MemoryOnlyReadsWaitForThisNodesOwnChanges) {
  std::atomic<bool> down{false};
  store::Store store(std::make_unique<SwitchableDb>(store::OpenSqlite(path_), down));
  Directory directory;
  ChangeFeed feed(store, directory, catalog_);
  Micros now = 1'000'000'000;
  feed.set_clock([&] { return now; });
  EXPECT_EQ(feed.AppliedWithOwnChanges(), std::nullopt);  // never confirmed
  feed.Load();
  EXPECT_EQ(feed.AppliedWithOwnChanges(), feed.applied());
  const auto latest = [&] {
    auto tx = store.Read();
    return store.LatestChangeSeq(*tx);
  };
  const auto commit_account = [&] {
    auto tx = store.Write();
    store.InsertAccount(*tx, NewAccount());
    tx->Commit();
  };

  // Committed (and about to be acknowledged); its catch-up finds the store gone.
  commit_account();
  const std::int64_t acknowledged = latest();
  now += 1'000;
  down = true;
  EXPECT_THROW(feed.CatchUpSince(now), store::DbError);
  EXPECT_LT(feed.applied(), acknowledged);
  EXPECT_TRUE(feed.ConfirmedWithin(500'000));
  EXPECT_EQ(feed.AppliedWithOwnChanges(), std::nullopt);
  // A later catch-up that succeeds applied it.
  down = false;
  now += 1'000;
  feed.CatchUp();
  EXPECT_EQ(feed.AppliedWithOwnChanges(), latest());

  // One that began in the same microsecond as the commit may not have seen it.
  commit_account();
  feed.CatchUpSince(now);
  EXPECT_EQ(feed.applied(), latest());
  EXPECT_EQ(feed.AppliedWithOwnChanges(), std::nullopt);
  now += 1;
  feed.CatchUp();
  EXPECT_EQ(feed.AppliedWithOwnChanges(), latest());
}

// A catch-up stuck on a store that stopped answering must not hold every
// request that wants a confirmation: they give up after their wait.
TEST_F(ChangeFeedTest, ConfirmWaitsBoundedForACatchUpInProgress) {
  feed_->Load();
  const Account a = NewAccount();
  const Token t = NewToken(a.id, "stuck");
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, t);
    tx->Commit();
  }
  feed_->CatchUp();
  {
    auto tx = store_->Write();
    store_->DeleteToken(*tx, t.id);
    tx->Commit();
  }
  std::mutex mu;
  std::condition_variable cv;
  bool inside = false, release = false;
  feed_->on_token_erased = [&](const std::string&) {
    std::unique_lock lock(mu);
    inside = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  };
  std::thread stuck([&] { feed_->CatchUp(); });
  {
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return inside; });
  }
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(feed_->Confirm(/*wait=*/50'000));
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_GE(waited, std::chrono::milliseconds(40));
  EXPECT_LT(waited, std::chrono::seconds(5));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  stuck.join();
  feed_->on_token_erased = nullptr;
  EXPECT_TRUE(feed_->Confirm(50'000));
}

}  // namespace
}  // namespace cfiam::auth
