#include "store/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "auth/last_used.h"
#include "store/migrations.h"
#include "util/random.h"

namespace cfiam::store {
namespace {

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-store-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    auto db = OpenSqlite(path_);
    version_ = ApplyMigrations(*db);
    store_ = std::make_unique<Store>(OpenSqlite(path_));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  Account MakeAccount(const std::string& name) {
    Account a;
    a.id = NewId();
    a.name = name;
    a.created_on = NowMicros();
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    tx->Commit();
    return a;
  }

  // An account token of `a`, not yet stored.
  static Token NewAccountToken(const Account& a, std::string_view name = "t") {
    Token t;
    t.id = NewId();
    t.owner_kind = "account";
    t.account_id = a.id;
    t.name = std::string(name);
    t.secret_digest = RandomHex(32);
    t.issued_on = t.modified_on = 1;
    return t;
  }

  std::filesystem::path dir_;
  std::string path_;
  int version_ = 0;
  std::unique_ptr<Store> store_;
};

TEST_F(StoreTest, MigrationsAreIdempotent) {
  EXPECT_GE(version_, 1);
  auto db = OpenSqlite(path_);
  EXPECT_EQ(ApplyMigrations(*db), version_);
}

TEST_F(StoreTest, AccountRoundTripWithOptionalFields) {
  Account a = MakeAccount("Round");
  a.abuse_contact_email = "x@y.z";
  a.enforce_twofactor = true;
  a.parent_org_name = "Org";
  {
    auto tx = store_->Write();
    store_->UpdateAccount(*tx, a);
    tx->Commit();
  }
  auto tx = store_->Read();
  auto got = store_->GetAccount(*tx, a.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->name, "Round");
  EXPECT_EQ(got->abuse_contact_email, "x@y.z");
  EXPECT_TRUE(got->enforce_twofactor);
  EXPECT_FALSE(got->parent_org_id.has_value());
  EXPECT_EQ(got->parent_org_name, "Org");
  EXPECT_EQ(got->created_on, a.created_on);
}

TEST_F(StoreTest, UncommittedWritesRollBack) {
  Account a;
  a.id = NewId();
  a.name = "Ghost";
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
  }  // no Commit
  auto tx = store_->Read();
  EXPECT_FALSE(store_->GetAccount(*tx, a.id));
}

TEST_F(StoreTest, ListFiltersOrdersAndPages) {
  for (const char* n : {"b_x", "a%x", "c_y", "d"}) MakeAccount(n);
  auto tx = store_->Read();
  AccountQuery q;
  q.name_contains = "_";
  auto page = store_->ListAccounts(*tx, q);
  ASSERT_EQ(page.total, 2);  // '_' matched literally, not as a wildcard
  EXPECT_EQ(page.items[0].name, "b_x");
  q.name_contains = "";
  q.descending = true;
  q.limit = 2;
  q.offset = 1;
  page = store_->ListAccounts(*tx, q);
  EXPECT_EQ(page.total, 4);
  ASSERT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.items[0].name, "c_y");
  EXPECT_EQ(page.items[1].name, "b_x");
}

TEST_F(StoreTest, DeletingAnAccountCascadesToMembers) {
  Account a = MakeAccount("Parent");
  User u{NewId(), "u@example.com", "", "", false, false, NowMicros()};
  Member m;
  m.id = NewId();
  m.account_id = a.id;
  m.user_id = u.id;
  m.status = "accepted";
  m.role_ids = {"33666b9c79b9a5273fc7344ff42f953d"};
  {
    auto tx = store_->Write();
    store_->InsertUser(*tx, u);
    store_->InsertMember(*tx, m);
    tx->Commit();
  }
  {
    auto tx = store_->Read();
    auto got = store_->FindMember(*tx, a.id, u.id);
    ASSERT_TRUE(got);
    EXPECT_EQ(got->role_ids, m.role_ids);
  }
  {
    auto tx = store_->Write();
    EXPECT_TRUE(store_->DeleteAccount(*tx, a.id));
    tx->Commit();
  }
  auto tx = store_->Read();
  EXPECT_FALSE(store_->FindMember(*tx, a.id, u.id));
  EXPECT_TRUE(store_->GetUser(*tx, u.id));
}

TEST_F(StoreTest, UniqueViolationsAreConstraintErrors) {
  User u{NewId(), "dup@example.com", "", "", false, false, 0};
  auto tx = store_->Write();
  store_->InsertUser(*tx, u);
  u.id = NewId();
  try {
    store_->InsertUser(*tx, u);
    FAIL() << "duplicate email accepted";
  } catch (const DbError& e) {
    EXPECT_EQ(e.kind(), DbError::Kind::kConstraint);
  }
}

// The last-used flush writes a whole batch in a few statements; a stored
// later time wins and unknown ids are ignored. 1,201 uses span three chunks.
TEST_F(StoreTest, LastUsedFlushIsSetBasedAndKeepsTheLatest) {
  Account a = MakeAccount("Used");
  std::vector<std::pair<std::string, Micros>> uses;
  {
    auto tx = store_->Write();
    for (int i = 0; i < 1200; ++i) {
      Token t = NewAccountToken(a);
      if (i == 0) t.last_used_on = 5000;  // stored later than the flushed use
      store_->InsertToken(*tx, t);
      uses.emplace_back(t.id, 1000 + i);
    }
    tx->Commit();
  }
  uses.emplace_back(NewId(), 42);  // a token deleted meanwhile
  ASSERT_GT(uses.size(), 2 * Store::kLastUsedChunk);
  {
    auto tx = store_->Write();
    store_->SetTokensLastUsed(*tx, uses);
    tx->Commit();
  }
  auto tx = store_->Read();
  EXPECT_EQ(store_->GetToken(*tx, uses[0].first)->last_used_on, 5000);
  for (int i : {1, 499, 500, 501, 1000, 1199}) {
    EXPECT_EQ(store_->GetToken(*tx, uses[i].first)->last_used_on, 1000 + i) << i;
  }
}

// In-memory last uses (auth/last_used.h): the newest of a token's uses is
// held until the store has it and one flush longer; then only the store
// answers, so memory holds two intervals' tokens, not every token ever used.
// A token's first use is written at the next pass; later ones only once the
// stored one is `rewrite_after` old (or at shutdown), while Get answers the
// newest at once. Times are explicit: rewrite_after is 1,000 us here.
TEST_F(StoreTest, LastUsedWritesEachTokenAtMostOncePerInterval) {
  Account a = MakeAccount("Touched");
  const Token t = NewAccountToken(a);
  {
    auto tx = store_->Write();
    store_->InsertToken(*tx, t);
    tx->Commit();
  }
  auto stored = [&] {
    auto tx = store_->Read();
    return store_->GetToken(*tx, t.id)->last_used_on;
  };
  auth::LastUsed last(1000);
  last.Touch(t.id, 2000);
  last.Touch(t.id, 1500);  // an older use never moves it back
  EXPECT_EQ(last.Get(t.id), 2000);
  last.Touch("not an id of ours: longer than sixteen bytes", 9);  // ignored
  EXPECT_EQ(last.Flush(*store_, 2100), 1u);  // a first use: at once
  EXPECT_EQ(stored(), 2000);
  EXPECT_EQ(last.Get(t.id), 2000);  // still held after the write

  last.Touch(t.id, 2500);
  EXPECT_EQ(last.Flush(*store_, 2600), 0u);  // the stored use is 600 us old
  EXPECT_EQ(stored(), 2000);
  EXPECT_EQ(last.Get(t.id), 2500);  // this node answers the newest anyway
  EXPECT_EQ(last.Flush(*store_, 3000), 1u);  // now 1,000 us old: due
  EXPECT_EQ(stored(), 2500);
  EXPECT_EQ(last.Flush(*store_, 3100), 0u);  // nothing newer

  // A stop writes what is not due yet.
  last.Touch(t.id, 3200);
  EXPECT_EQ(last.Flush(*store_, 3300), 0u);
  EXPECT_EQ(last.Flush(*store_, 3300, /*all=*/true), 1u);
  EXPECT_EQ(stored(), 3200);

  // Written and unused for twice the interval: dropped, the store answers.
  EXPECT_EQ(last.held(), 1u);
  EXPECT_EQ(last.Flush(*store_, 3200 + 1999), 0u);
  EXPECT_EQ(last.held(), 1u);
  EXPECT_EQ(last.Flush(*store_, 3200 + 2000), 0u);
  EXPECT_EQ(last.held(), 0u);
  EXPECT_EQ(last.Get(t.id), std::nullopt);
  EXPECT_EQ(stored(), 3200);

  // A forgotten (deleted) token's pending use is never written.
  last.Touch(t.id, 9000);
  last.Forget(t.id);
  EXPECT_EQ(last.Get(t.id), std::nullopt);
  EXPECT_EQ(last.Flush(*store_, 9100, /*all=*/true), 0u);
  EXPECT_EQ(stored(), 3200);
}

// GetEach (a list page's fifty lookups under one lock of each map) answers
// what Get answers for each id: a use only pending, one only held (flushed),
// one held with a newer one pending and one held newer than a late pending
// one, an id never used, and no id at all.
TEST_F(StoreTest, LastUsedGetEachAnswersAsGetForEach) {
  Account a = MakeAccount("Each");
  std::vector<Token> t;
  {
    auto tx = store_->Write();
    for (int i = 0; i < 5; ++i) {
      t.push_back(NewAccountToken(a));
      store_->InsertToken(*tx, t.back());
    }
    tx->Commit();
  }
  auth::LastUsed last(1000);
  last.Touch(t[1].id, 100);
  last.Touch(t[2].id, 200);
  last.Touch(t[3].id, 300);
  EXPECT_EQ(last.Flush(*store_, 400), 3u);  // now held
  last.Touch(t[0].id, 500);                 // only pending
  last.Touch(t[2].id, 600);                 // pending, newer than held
  last.Touch(t[3].id, 250);                 // pending, older than held
  std::vector<std::optional<auth::IdKey>> keys;
  for (const Token& token : t) keys.push_back(auth::IdKey::From(token.id));
  keys.push_back(std::nullopt);
  const std::vector<std::optional<Micros>> each = last.GetEach(keys);
  ASSERT_EQ(each.size(), keys.size());
  for (std::size_t i = 0; i < t.size(); ++i) EXPECT_EQ(each[i], last.Get(t[i].id)) << i;
  EXPECT_EQ(each,
            (std::vector<std::optional<Micros>>{500, 100, 600, 300, std::nullopt, std::nullopt}));
}

// Many tokens in one pass: each first use written once, in one flush,
// whatever order they were used in.
TEST_F(StoreTest, LastUsedWritesManyFirstUsesInOnePass) {
  Account a = MakeAccount("Many");
  std::vector<Token> tokens;
  {
    auto tx = store_->Write();
    for (int i = 0; i < 300; ++i) {
      tokens.push_back(NewAccountToken(a));
      store_->InsertToken(*tx, tokens.back());
    }
    tx->Commit();
  }
  auth::LastUsed last(1000);
  for (std::size_t i = tokens.size(); i-- > 0;) last.Touch(tokens[i].id, 5000 + static_cast<Micros>(i));
  EXPECT_EQ(last.Flush(*store_, 6000), tokens.size());
  EXPECT_EQ(last.Flush(*store_, 6001), 0u);
  auto tx = store_->Read();
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    EXPECT_EQ(store_->GetToken(*tx, tokens[i].id)->last_used_on, 5000 + static_cast<Micros>(i));
  }
}

// Migration 11 moves stored last uses out of the wide tokens table into
// token_last_used; the rows go with their token (and with its account).
TEST_F(StoreTest, LastUsedMovesToItsOwnTableAndGoesWithTheToken) {
  Account a = MakeAccount("Moved");
  const Token used = NewAccountToken(a, "used"), unused = NewAccountToken(a, "unused"),
              doomed = NewAccountToken(a, "doomed");
  {
    // A store from before migration 11: last uses only on tokens.
    auto db = OpenSqlite(path_);
    auto tx = db->Begin(true);
    tx->Exec("DROP TABLE token_last_used");
    tx->Exec("DELETE FROM schema_migrations WHERE version = 11");
    for (const Token* t : {&used, &unused, &doomed}) {
      tx->Exec(
          "INSERT INTO tokens (id, owner_kind, account_id, name, secret_digest, status, "
          "issued_on, modified_on, last_used_on, policies_json, condition_json) "
          "VALUES (?, 'account', ?, ?, ?, 'active', 1, 1, ?, '[]', '{}')",
          {t->id, a.id, t->name, t->secret_digest,
           t == &unused ? Value(nullptr) : Value(std::int64_t{7000})});
    }
    tx->Commit();
    EXPECT_EQ(ApplyMigrations(*db), version_);
    // The old column is no longer read: a value left there does not show.
    auto stale = db->Begin(true);
    stale->Exec("UPDATE tokens SET last_used_on = 99999 WHERE id = ?", {unused.id});
    stale->Commit();
  }
  store_ = std::make_unique<Store>(OpenSqlite(path_));
  {
    auto tx = store_->Read();
    EXPECT_EQ(store_->GetToken(*tx, used.id)->last_used_on, 7000);
    EXPECT_EQ(store_->GetToken(*tx, unused.id)->last_used_on, std::nullopt);
    EXPECT_EQ(store_->ListAccountTokens(*tx, a.id, false, 10, 0).items.size(), 3u);
    EXPECT_EQ(store_->GetTokenName(*tx, used.id), "used");
    EXPECT_EQ(store_->GetTokenName(*tx, NewId()), std::nullopt);
  }
  {
    auto tx = store_->Write();
    store_->SetTokensLastUsed(*tx, {{used.id, 6000}, {unused.id, 8000}, {doomed.id, 9000}});
    ASSERT_TRUE(store_->DeleteToken(*tx, doomed.id));
    tx->Commit();
  }
  auto count = [&] {
    auto tx = store_->Read();
    return tx->Query("SELECT COUNT(*) FROM token_last_used").front().Int(0);
  };
  {
    auto tx = store_->Read();
    EXPECT_EQ(store_->GetToken(*tx, used.id)->last_used_on, 7000);  // the later one stays
    EXPECT_EQ(store_->GetToken(*tx, unused.id)->last_used_on, 8000);
  }
  EXPECT_EQ(count(), 2);
  {
    auto tx = store_->Write();
    ASSERT_TRUE(store_->DeleteAccount(*tx, a.id));
    tx->Commit();
  }
  EXPECT_EQ(count(), 0);
}

TEST_F(StoreTest, ConcurrentWritersSerialize) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) MakeAccount("w" + std::to_string(t) + "-" + std::to_string(i));
    });
  }
  for (auto& th : threads) th.join();
  auto tx = store_->Read();
  EXPECT_EQ(store_->ListAccounts(*tx, {}).total, 100);
}

}  // namespace
}  // namespace cfiam::store
