// The authorization snapshot (auth/directory.h): binary keys, interned
// policies, per-account erasure, the set-based streaming load, and readers
// that keep finding entries while a writer changes the maps.
#include "auth/directory.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "auth/digest.h"
#include "auth/keys.h"
#include "auth/token_policy.h"
#include "store/migrations.h"
#include "util/random.h"

namespace cfiam::auth {
namespace {

std::string PoliciesFor(const std::string& account_id) {
  return R"([{"effect":"allow","permission_groups":[{"id":"c1fde68c7bcc44588cbb6ddbc16d6480"}],)"
         R"("resources":{"com.cloudflare.api.account.)" +
         account_id + R"(":"*"}}])";
}

Token AccountToken(const std::string& account_id, const std::string& secret,
                   const std::string& policies, const Catalog* catalog = nullptr) {
  Token t;
  t.id = NewId();
  t.owner_kind = "account";
  t.account_id = account_id;
  t.name = "t";
  t.secret_digest = Sha256Hex(secret);
  t.issued_on = t.modified_on = NowMicros();
  t.policies_json = policies;
  if (catalog) {
    t.policy = std::make_shared<TokenPolicy>(TokenPolicy::FromStored(policies, "{}", *catalog));
  }
  return t;
}

TEST(Keys, IdsAndDigestsRoundTrip) {
  const std::string id = NewId();
  auto key = IdKey::From(id);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->tag, IdKey::kHex);
  EXPECT_EQ(ToText(*key).view(), id);
  EXPECT_TRUE(*key == id);
  EXPECT_FALSE(*key == NewId());
  EXPECT_FALSE(*key == "not an id of ours at all, too long");
  auto short_key = IdKey::From("acc");
  ASSERT_TRUE(short_key);
  EXPECT_EQ(ToText(*short_key).view(), "acc");
  EXPECT_FALSE(IdKey::From(""));
  EXPECT_FALSE(IdKey::From(std::string(40, 'x')));
  EXPECT_FALSE(IdKey::From("0123456789ABCDEF0123456789ABCDEF"));  // upper case: not ours
  EXPECT_FALSE(IdKey::From(id) == IdKey::From(NewId()));
  const std::string hex = Sha256Hex("s");
  auto digest = DigestKey::FromHex(hex);
  ASSERT_TRUE(digest);
  EXPECT_EQ(*digest, Sha256Key("s"));
  EXPECT_FALSE(DigestKey::FromHex(hex.substr(1)));
}

TEST(DirectorySnapshot, FindsTokensByDigestAndIdAndRetiresARolledDigest) {
  Catalog catalog;
  Directory dir;
  const std::string account = NewId();
  Token t = AccountToken(account, "first", PoliciesFor(account), &catalog);
  dir.PutToken(t);
  auto by_digest = dir.FindTokenByDigest(Sha256Key("first"));
  ASSERT_NE(by_digest, nullptr);
  EXPECT_EQ(by_digest, dir.FindTokenByDigest(Sha256Hex("first")));
  EXPECT_EQ(by_digest, dir.FindTokenById(t.id));
  EXPECT_TRUE(by_digest->account_owned);
  EXPECT_EQ(ToText(by_digest->owner).view(), account);
  EXPECT_EQ(dir.FindTokenByDigest("not hex"), nullptr);
  EXPECT_EQ(dir.FindTokenById("not an id of ours, far too long"), nullptr);

  t.secret_digest = Sha256Hex("second");  // a roll
  dir.PutToken(t);
  EXPECT_EQ(dir.FindTokenByDigest(Sha256Key("first")), nullptr);
  ASSERT_NE(dir.FindTokenByDigest(Sha256Key("second")), nullptr);
  EXPECT_EQ(dir.token_count(), 1u);
  // The entry a reader held before the roll is unchanged.
  EXPECT_EQ(by_digest->digest, Sha256Key("first"));
}

TEST(DirectorySnapshot, EqualPoliciesShareOneCompiledPolicy) {
  Catalog catalog;
  Directory dir;
  const std::string a = NewId();
  const std::string b = NewId();
  // Each compiled separately (as the API does per request)...
  Token t1 = AccountToken(a, "1", PoliciesFor(a), &catalog);
  Token t2 = AccountToken(a, "2", PoliciesFor(a), &catalog);
  Token t3 = AccountToken(b, "3", PoliciesFor(b), &catalog);
  dir.PutToken(t1);
  dir.PutToken(t2);
  dir.PutToken(t3);
  // ...but the snapshot keeps one per distinct text.
  EXPECT_EQ(dir.FindTokenById(t1.id)->policy.get(), dir.FindTokenById(t2.id)->policy.get());
  EXPECT_NE(dir.FindTokenById(t1.id)->policy.get(), dir.FindTokenById(t3.id)->policy.get());
  EXPECT_EQ(dir.interned_policy_count(), 2u);
  dir.EraseToken(t3.id);
  t3.policy.reset();  // the last holder of the other compiled policy
  EXPECT_EQ(dir.interned_policy_count(), 1u);
}

TEST(DirectorySnapshot, PoliciesThatDifferOnlyInTheirIdsShareOneCompiledPolicy) {
  Catalog catalog;
  Directory dir;
  const std::string a = NewId();
  const auto with_id = [&](const std::string& policy_id, const std::string& group) {
    return R"([{"id":")" + policy_id + R"(","effect":"allow","permission_groups":[{"id":")" +
           group + R"(","name":"x"}],"resources":{"com.cloudflare.api.account.)" + a +
           R"(":"*"}}])";
  };
  const std::string read = "c1fde68c7bcc44588cbb6ddbc16d6480";
  std::string other;
  for (const TokenPermissionGroup& g : catalog.permission_groups()) {
    if (g.id != read && g.scopes == std::vector<std::string>{"com.cloudflare.api.account"}) {
      other = g.id;
    }
  }
  ASSERT_FALSE(other.empty());
  Token t1 = AccountToken(a, "1", with_id(NewId(), read), &catalog);
  Token t2 = AccountToken(a, "2", with_id(NewId(), read), &catalog);
  Token t3 = AccountToken(a, "3", with_id(NewId(), other), &catalog);
  dir.PutToken(t1);
  dir.PutToken(t2);
  dir.PutToken(t3);
  EXPECT_EQ(dir.FindTokenById(t1.id)->policy.get(), dir.FindTokenById(t2.id)->policy.get());
  // A permission group id is content, not a policy id.
  EXPECT_NE(dir.FindTokenById(t1.id)->policy.get(), dir.FindTokenById(t3.id)->policy.get());
  // A text cut short after an id is kept whole, not misread.
  Token t4 = AccountToken(a, "4", R"([{"id":")" + NewId(), nullptr);
  t4.policy = dir.FindTokenById(t1.id)->policy;
  dir.PutToken(t4);
  EXPECT_NE(dir.FindTokenById(t4.id), nullptr);
}

TEST(DirectorySnapshot, EraseAccountRemovesOnlyWhatThatAccountHolds) {
  Catalog catalog;
  Directory dir;
  const std::string a = NewId();
  const std::string b = NewId();
  dir.PutAccount(a);
  dir.PutAccount(b);
  std::vector<Token> tokens;
  for (int i = 0; i < 6; ++i) {
    const std::string& account = i % 2 ? b : a;
    tokens.push_back(AccountToken(account, "s" + std::to_string(i), PoliciesFor(account), &catalog));
    dir.PutToken(tokens.back());
  }
  const std::string user = NewId();
  dir.PutUser(User{user, "u@example.com", "", "", false, false, 0});
  Member ma{NewId(), a, user, "accepted", {}, {}, 0};
  Member mb{NewId(), b, user, "accepted", {}, {}, 0};
  dir.PutMember(ma);
  dir.PutMember(mb);
  ResourceGroup ga{NewId(), a, "g", "com.cloudflare.api.account." + a, {"*"}, 0, 0};
  ResourceGroup gb{NewId(), b, "g", "com.cloudflare.api.account." + b, {"*"}, 0, 0};
  dir.PutResourceGroup(ga);
  dir.PutResourceGroup(gb);
  UserGroup ua{NewId(), a, "ug", {}, {ma.id}, 0, 0};
  dir.PutUserGroup(ua);
  ASSERT_EQ(dir.GroupsOfMember(ma.id).size(), 1u);

  dir.EraseAccount(a);
  EXPECT_FALSE(dir.AccountExists(a));
  EXPECT_TRUE(dir.AccountExists(b));
  for (int i = 0; i < 6; ++i) {
    const bool kept = i % 2 == 1;
    EXPECT_EQ(dir.FindTokenById(tokens[i].id) != nullptr, kept) << i;
    EXPECT_EQ(dir.FindTokenByDigest(tokens[i].secret_digest) != nullptr, kept) << i;
  }
  EXPECT_EQ(dir.token_count(), 3u);
  EXPECT_EQ(dir.FindMember(a, user), nullptr);
  EXPECT_NE(dir.FindMember(b, user), nullptr);
  EXPECT_EQ(dir.FindResourceGroup(ga.id), nullptr);
  EXPECT_NE(dir.FindResourceGroup(gb.id), nullptr);
  EXPECT_TRUE(dir.GroupsOfMember(ma.id).empty());
  EXPECT_NE(dir.FindUser(user), nullptr);  // users are not the account's
  // The account can come back empty, and erasing it again is harmless.
  dir.PutAccount(a);
  dir.EraseAccount(a);
  dir.EraseAccount(a);
  EXPECT_EQ(dir.token_count(), 3u);
}

TEST(DirectorySnapshot, UserGroupMembershipFollowsPutAndErase) {
  Directory dir;
  const std::string a = NewId();
  const std::string m1 = NewId();
  const std::string m2 = NewId();
  UserGroup g{NewId(), a, "g", {}, {m1, m2}, 0, 0};
  dir.PutUserGroup(g);
  EXPECT_EQ(dir.GroupsOfMember(m1).size(), 1u);
  g.member_ids = {m2};
  dir.PutUserGroup(g);
  EXPECT_TRUE(dir.GroupsOfMember(m1).empty());
  ASSERT_EQ(dir.GroupsOfMember(m2).size(), 1u);
  EXPECT_EQ(dir.GroupsOfMember(m2)[0]->member_ids, std::vector<std::string>{m2});
  dir.EraseUserGroup(g.id);
  EXPECT_TRUE(dir.GroupsOfMember(m2).empty());
}

TEST(DirectorySnapshot, ApiKeysFollowTheirUser) {
  Directory dir;
  const std::string u = NewId();
  dir.PutUser(User{u, "a@example.com", "", "", false, false, 0}, Sha256Hex("k1"));
  EXPECT_NE(dir.FindUserByApiKeyDigest(Sha256Hex("k1")), nullptr);
  dir.PutUser(User{u, "a@example.com", "", "", false, false, 0}, Sha256Hex("k2"));
  EXPECT_EQ(dir.FindUserByApiKeyDigest(Sha256Hex("k1")), nullptr);
  EXPECT_NE(dir.FindUserByApiKeyDigest(Sha256Hex("k2")), nullptr);
  const std::string v = NewId();
  dir.ReplaceUsers({{User{v, "b@example.com", "", "", false, false, 0}, Sha256Hex("k3")}});
  EXPECT_EQ(dir.FindUser(u), nullptr);
  EXPECT_EQ(dir.FindUserByApiKeyDigest(Sha256Hex("k2")), nullptr);
  EXPECT_EQ(dir.FindUserByApiKeyDigest(Sha256Hex("k3"))->id, v);
}

TEST(DirectorySnapshot, ReadersKeepFindingEntriesWhileAWriterChangesTheMaps) {
  Catalog catalog;
  Directory dir;
  const std::string account = NewId();
  const std::string policies = PoliciesFor(account);
  std::vector<Token> stable;
  for (int i = 0; i < 64; ++i) {
    stable.push_back(AccountToken(account, "stable" + std::to_string(i), policies, &catalog));
    dir.PutToken(stable.back());
  }
  std::atomic<bool> stop{false};
  std::atomic<long> misses{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      for (std::size_t i = r; !stop.load(std::memory_order_relaxed); ++i) {
        const Token& t = stable[i % stable.size()];
        auto found = dir.FindTokenByDigest(Sha256Key("stable" + std::to_string(i % stable.size())));
        if (!found || ToText(found->id).view() != t.id || !found->policy) ++misses;
        ++reads;
      }
    });
  }
  // Churn: thousands of inserts and erasures force table rebuilds, and the
  // stable tokens are rewritten in place (a disable and re-enable).
  std::vector<std::string> churn;
  for (int round = 0; round < 4000; ++round) {
    Token t = AccountToken(account, "churn" + std::to_string(round), policies, &catalog);
    dir.PutToken(t);
    churn.push_back(t.id);
    if (round % 3 == 0) {
      dir.EraseToken(churn.front());
      churn.erase(churn.begin());
    }
    Token& s = stable[round % stable.size()];
    s.status = round % 2 ? "active" : "disabled";
    dir.PutToken(s);
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(misses.load(), 0);
  EXPECT_GT(reads.load(), 0);
  EXPECT_EQ(dir.token_count(), stable.size() + churn.size());
}

class DirectoryLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-dir-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "t.db").string();
    store::ApplyMigrations(*store::OpenSqlite(path));
    store_ = std::make_unique<store::Store>(store::OpenSqlite(path));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(DirectoryLoadTest, StreamsRowsWithoutMaterializingThem) {
  auto tx = store_->Write();
  tx->Exec("CREATE TEMP TABLE t (a TEXT, b INTEGER)");
  tx->Exec("INSERT INTO t VALUES ('x', 1), (NULL, 2), ('zz', NULL)");
  std::vector<std::string> seen;
  tx->QueryEach("SELECT a, b FROM t WHERE b IS NULL OR b >= ? ORDER BY rowid", {std::int64_t{1}},
                [&](const store::RowView& r) {
                  seen.push_back(std::string(r.Str(0)) + (r.IsNull(0) ? "<null>" : "") + ":" +
                                 std::to_string(r.Int(1)) + (r.IsNull(1) ? "<null>" : ""));
                });
  EXPECT_EQ(seen, (std::vector<std::string>{"x:1", "<null>:2", "zz:0<null>"}));
  // A callback that throws leaves the statement reusable.
  EXPECT_THROW(tx->QueryEach("SELECT a FROM t", {},
                             [](const store::RowView&) { throw std::runtime_error("stop"); }),
               std::runtime_error);
  int n = 0;
  tx->QueryEach("SELECT a FROM t", {}, [&](const store::RowView&) { ++n; });
  EXPECT_EQ(n, 3);
}

TEST_F(DirectoryLoadTest, LoadsTokensMembersAndPoliciesSetBased) {
  Catalog catalog;
  Account a;
  a.id = NewId();
  a.name = "A";
  const std::string user = NewId();
  std::vector<Token> tokens;
  ResourceGroup rg{NewId(), a.id, "all", "com.cloudflare.api.account." + a.id, {"*"}, 1, 1};
  Member m{NewId(), a.id, user, "accepted", {}, {}, 1};
  m.policies = {Policy{NewId(), "allow", {catalog.SuperAdminRole().id}, {rg.id}}};
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertUser(*tx, User{user, "u@example.com", "", "", false, false, 1});
    store_->InsertResourceGroup(*tx, rg);
    store_->InsertMember(*tx, m);
    for (int i = 0; i < 5; ++i) {
      tokens.push_back(AccountToken(a.id, "l" + std::to_string(i), PoliciesFor(a.id)));
      store_->InsertToken(*tx, tokens.back());
    }
    tx->Commit();
  }
  Directory dir;
  dir.Load(*store_, catalog);
  EXPECT_EQ(dir.token_count(), 5u);
  EXPECT_EQ(dir.interned_policy_count(), 1u);  // compiled once for five tokens
  auto t = dir.FindTokenByDigest(Sha256Key("l3"));
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(ToText(t->id).view(), tokens[3].id);
  ASSERT_NE(t->policy, nullptr);
  EXPECT_TRUE(t->policy->HasAnyAllowIn(a.id));
  auto member = dir.FindMember(a.id, user);
  ASSERT_NE(member, nullptr);
  ASSERT_EQ(member->policies.size(), 1u);
  EXPECT_EQ(member->policies[0].resource_group_ids, std::vector<std::string>{rg.id});
  EXPECT_NE(dir.FindResourceGroup(rg.id), nullptr);
  // Erasing the loaded account finds its tokens through the load's index.
  dir.EraseAccount(a.id);
  EXPECT_EQ(dir.token_count(), 0u);
  EXPECT_EQ(dir.FindMember(a.id, user), nullptr);
}

// Only a token whose policy has an IP condition reads its policy on a use
// (LiveToken::ip_limited): the mark must follow the condition at load and at
// every put, or a condition would be skipped.
TEST_F(DirectoryLoadTest, MarksTokensWithAnIpConditionAtLoadAndPut) {
  Catalog catalog;
  Account a;
  a.id = NewId();
  a.name = "A";
  const std::string limited_condition = R"({"request_ip":{"in":["10.0.0.0/8"]}})";
  Token open = AccountToken(a.id, "open", PoliciesFor(a.id));
  Token limited = AccountToken(a.id, "limited", PoliciesFor(a.id));
  limited.condition_json = limited_condition;
  {
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertToken(*tx, open);
    store_->InsertToken(*tx, limited);
    tx->Commit();
  }
  Directory dir;
  dir.Load(*store_, catalog);
  ASSERT_NE(dir.FindTokenById(open.id), nullptr);
  ASSERT_NE(dir.FindTokenById(limited.id), nullptr);
  EXPECT_FALSE(dir.FindTokenById(open.id)->ip_limited);
  EXPECT_TRUE(dir.FindTokenById(limited.id)->ip_limited);
  EXPECT_FALSE(dir.FindTokenById(limited.id)->policy->ip.Allows("192.0.2.1"));

  // A put that adds the condition marks the token; one that drops it clears it.
  open.condition_json = limited_condition;
  open.policy = std::make_shared<TokenPolicy>(
      TokenPolicy::FromStored(open.policies_json, open.condition_json, catalog));
  dir.PutToken(open);
  EXPECT_TRUE(dir.FindTokenById(open.id)->ip_limited);
  limited.condition_json = "{}";
  limited.policy = std::make_shared<TokenPolicy>(
      TokenPolicy::FromStored(limited.policies_json, limited.condition_json, catalog));
  dir.PutToken(limited);
  EXPECT_FALSE(dir.FindTokenById(limited.id)->ip_limited);
}

}  // namespace
}  // namespace cfiam::auth
