// The audit log's store queries, the reader's keyset paging and retention,
// over a real SQLite file. Expected results come from a brute-force filter
// over the inserted entries.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "api/failure_map.h"
#include "audit/cursor.h"
#include "audit/reader.h"
#include "audit/retention.h"
#include "store/migrations.h"
#include "store/store.h"
#include "util/api_error.h"
#include "util/random.h"

namespace cfiam::audit {
namespace {

using store::AuditField;
using store::Value;

constexpr Micros kBase = 1730246400LL * 1000000;  // 2024-10-30T00:00:00Z
constexpr Micros kMinute = 60LL * 1000000;

Value FieldOf(const AuditEntry& e, AuditField f) {
  switch (f) {
    case AuditField::kId:
      return e.id;
    case AuditField::kAccountName:
      return e.account_name;
    case AuditField::kActionResult:
      return e.action_result;
    case AuditField::kActionType:
      return e.action_type;
    case AuditField::kActorContext:
      return e.actor_context;
    case AuditField::kActorEmail:
      return e.actor_email;
    case AuditField::kActorId:
      return e.actor_id;
    case AuditField::kActorIpAddress:
      return e.actor_ip_address;
    case AuditField::kActorTokenId:
      return e.actor_token_id;
    case AuditField::kActorTokenName:
      return e.actor_token_name;
    case AuditField::kActorType:
      return e.actor_type;
    case AuditField::kRawCfRayId:
      return e.raw_cf_ray_id;
    case AuditField::kRawMethod:
      return e.raw_method;
    case AuditField::kRawStatusCode:
      return e.raw_status_code;
    case AuditField::kRawUri:
      return e.raw_uri;
    case AuditField::kResourceId:
      return e.resource_id;
    case AuditField::kResourceProduct:
      return e.resource_product;
    case AuditField::kResourceScope:
      return e.resource_scope;
    case AuditField::kResourceType:
      return e.resource_type;
    case AuditField::kZoneId:
      return e.zone_id;
    case AuditField::kZoneName:
      return e.zone_name;
  }
  return nullptr;
}

bool Matches(const AuditEntry& e, const store::AuditQuery& q) {
  if (e.account_id != q.account_id || e.time < q.since || e.time >= q.before) return false;
  for (std::size_t i = 0; i < store::kAuditFieldCount; ++i) {
    const store::AuditFilter& f = q.filters[i];
    const Value v = FieldOf(e, static_cast<AuditField>(i));
    auto in = [&](const std::vector<Value>& vs) {
      return std::find(vs.begin(), vs.end(), v) != vs.end();
    };
    if (!f.any_of.empty() && !in(f.any_of)) return false;
    if (in(f.none_of)) return false;
  }
  return true;
}

class AuditStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-audit-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "t.db").string();
    auto db = store::OpenSqlite(path_);
    store::ApplyMigrations(*db);
    store_ = std::make_unique<store::Store>(store::OpenSqlite(path_));
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  // A varied entry: every field takes a few values, some of them empty.
  AuditEntry Make(int i, Micros time, const std::string& account = kAccount) {
    static const char* kTypes[] = {"create", "update", "delete"};
    static const char* kProducts[] = {"members", "tokens", "subscriptions", "user_groups"};
    AuditEntry e;
    e.id = NewId();
    e.time = time;
    e.account_id = account;
    e.account_name = i % 7 == 0 ? "Renamed" : "Acme";
    e.action_type = kTypes[i % 3];
    e.action_description = "Do " + std::to_string(i);
    e.action_result = i % 5 == 0 ? "failure" : "success";
    e.actor_type = i % 4 == 0 ? "account" : "user";
    e.actor_id = "actor" + std::to_string(i % 4);
    e.actor_context = i % 4 == 1 ? "api_key" : "api_token";
    e.actor_email = i % 4 == 0 ? "" : "user" + std::to_string(i % 4) + "@example.com";
    e.actor_ip_address = i % 2 ? "192.0.2.1" : "2001:db8::1";
    e.actor_token_id = i % 4 == 1 ? "" : "tok" + std::to_string(i % 3);
    e.actor_token_name = e.actor_token_id.empty() ? "" : "Token " + e.actor_token_id;
    e.raw_cf_ray_id = RandomHex(8);
    e.raw_method = i % 3 == 0 ? "POST" : (i % 3 == 1 ? "PUT" : "DELETE");
    e.raw_status_code = e.action_result == "failure" ? (i % 2 ? 403 : 400) : 200;
    e.raw_uri = "/client/v4/accounts/" + account + "/x/" + std::to_string(i % 6);
    e.raw_user_agent = "test/1";
    e.resource_id = "res" + std::to_string(i % 9);
    e.resource_product = kProducts[i % 4];
    e.resource_type = kProducts[(i + 1) % 4];
    e.resource_scope = i % 6 == 0 ? "memberships" : "accounts";
    e.resource_request = R"({"n":)" + std::to_string(i) + "}";
    e.resource_response = "{}";
    e.zone_id = i % 8 == 0 ? "zone1" : "";
    e.zone_name = e.zone_id.empty() ? "" : "example.com";
    return e;
  }

  void Insert(const AuditEntry& e) {
    auto tx = store_->Write();
    store_->InsertAuditEntry(*tx, e);
    tx->Commit();
    all_.push_back(e);
  }

  // Inserts `n` entries, a minute apart with some sharing a time (ties are
  // broken by id), plus a few of another account.
  void Seed(int n) {
    for (int i = 0; i < n; ++i) Insert(Make(i, kBase + (i / 2) * kMinute));
    for (int i = 0; i < 5; ++i) Insert(Make(i, kBase + i * kMinute, kOther));
  }

  store::AuditQuery Query() const {
    store::AuditQuery q;
    q.account_id = kAccount;
    q.since = kBase - 1000 * kMinute;
    q.before = kBase + 1000 * kMinute;
    q.limit = 1000;
    return q;
  }

  std::vector<std::string> Ids(const store::AuditQuery& q) {
    auto tx = store_->Read();
    std::vector<std::string> ids;
    for (const AuditEntry& e : store_->ListAuditEntries(*tx, q)) ids.push_back(e.id);
    return ids;
  }

  // Brute force: the matching ids in (time, id) order.
  std::vector<std::string> Expected(const store::AuditQuery& q) const {
    std::vector<AuditEntry> m;
    for (const AuditEntry& e : all_) {
      if (Matches(e, q)) m.push_back(e);
    }
    std::sort(m.begin(), m.end(), [&](const AuditEntry& a, const AuditEntry& b) {
      if (a.time != b.time) return q.descending ? a.time > b.time : a.time < b.time;
      return q.descending ? a.id > b.id : a.id < b.id;
    });
    std::vector<std::string> ids;
    for (const AuditEntry& e : m) ids.push_back(e.id);
    if (static_cast<std::int64_t>(ids.size()) > q.limit)
      ids.resize(static_cast<std::size_t>(q.limit));
    return ids;
  }

  static inline const std::string kAccount = "0123456789abcdef0123456789abcdef";
  static inline const std::string kOther = "fedcba9876543210fedcba9876543210";
  std::filesystem::path dir_;
  std::string path_;
  std::unique_ptr<store::Store> store_;
  std::vector<AuditEntry> all_;
};

TEST_F(AuditStoreTest, ListsOneAccountInBothDirectionsWithDetails) {
  Seed(40);
  store::AuditQuery q = Query();
  const auto desc = Ids(q);
  ASSERT_EQ(desc.size(), 40u);
  EXPECT_EQ(desc, Expected(q));
  q.descending = false;
  const auto asc = Ids(q);
  EXPECT_EQ(asc, Expected(q));
  EXPECT_EQ(std::vector<std::string>(desc.rbegin(), desc.rend()), asc);
  // Every field round-trips, details included.
  auto tx = store_->Read();
  q.limit = 1;
  const auto got = store_->ListAuditEntries(*tx, q);
  ASSERT_EQ(got.size(), 1u);
  const AuditEntry& want = *std::find_if(all_.begin(), all_.end(),
                                         [&](const AuditEntry& e) { return e.id == got[0].id; });
  for (std::size_t i = 0; i < store::kAuditFieldCount; ++i) {
    EXPECT_EQ(FieldOf(got[0], static_cast<AuditField>(i)),
              FieldOf(want, static_cast<AuditField>(i)));
  }
  EXPECT_EQ(got[0].time, want.time);
  EXPECT_EQ(got[0].action_description, want.action_description);
  EXPECT_EQ(got[0].raw_user_agent, want.raw_user_agent);
  EXPECT_EQ(got[0].resource_request, want.resource_request);
  EXPECT_EQ(got[0].resource_response, want.resource_response);
}

TEST_F(AuditStoreTest, EachFilterAndItsNotForm) {
  Seed(48);
  for (std::size_t i = 0; i < store::kAuditFieldCount; ++i) {
    const auto field = static_cast<AuditField>(i);
    // A value some entries have, and another; the empty string is a value too.
    const Value one = FieldOf(all_[3], field);
    const Value two = FieldOf(all_[4], field);
    const Value none =
        field == AuditField::kRawStatusCode ? Value(std::int64_t{599}) : Value("nope");
    for (const auto& values : {std::vector<Value>{one}, std::vector<Value>{one, two},
                               std::vector<Value>{none}, std::vector<Value>{Value(""), one}}) {
      store::AuditQuery q = Query();
      q.filters[i].any_of = values;
      const auto in = Ids(q);
      EXPECT_EQ(in, Expected(q)) << "field " << i;
      q.filters[i].any_of.clear();
      q.filters[i].none_of = values;
      const auto out = Ids(q);
      EXPECT_EQ(out, Expected(q)) << "field " << i << " .not";
      if (values.front() != none) {
        EXPECT_EQ(in.size() + out.size(), 48u) << "field " << i;
      }
    }
  }
}

TEST_F(AuditStoreTest, FieldsAndTogetherValuesOrWithinAField) {
  Seed(60);
  store::AuditQuery q = Query();
  q.filters[static_cast<std::size_t>(AuditField::kActionType)].any_of = {"create", "update"};
  q.filters[static_cast<std::size_t>(AuditField::kActorEmail)].none_of = {"user1@example.com", ""};
  q.filters[static_cast<std::size_t>(AuditField::kActionResult)].any_of = {"success"};
  q.filters[static_cast<std::size_t>(AuditField::kRawStatusCode)].none_of = {std::int64_t{403}};
  const auto got = Ids(q);
  EXPECT_FALSE(got.empty());
  EXPECT_LT(got.size(), 30u);
  EXPECT_EQ(got, Expected(q));
  // Contradictory conditions on one field: nothing.
  q.filters[static_cast<std::size_t>(AuditField::kActionResult)].none_of = {"success"};
  EXPECT_TRUE(Ids(q).empty());
}

TEST_F(AuditStoreTest, SinceIsInclusiveBeforeExclusive) {
  Seed(20);  // times kBase .. kBase + 9 minutes, two entries each
  store::AuditQuery q = Query();
  q.since = kBase + 2 * kMinute;
  q.before = kBase + 5 * kMinute;
  EXPECT_EQ(Ids(q).size(), 6u);
  EXPECT_EQ(Ids(q), Expected(q));
  q.descending = false;
  EXPECT_EQ(Ids(q), Expected(q));
  q.before = q.since + 1;
  EXPECT_EQ(Ids(q).size(), 2u);
  q.since = kBase + 100 * kMinute;
  q.before = q.since + kMinute;
  EXPECT_TRUE(Ids(q).empty());
}

TEST_F(AuditStoreTest, KeysetResumesStrictlyPastThePosition) {
  Seed(20);
  for (bool desc : {true, false}) {
    store::AuditQuery q = Query();
    q.descending = desc;
    const auto full = Ids(q);
    for (std::size_t k = 0; k < full.size(); ++k) {
      const AuditEntry& e = *std::find_if(all_.begin(), all_.end(),
                                          [&](const AuditEntry& x) { return x.id == full[k]; });
      q.after = store::AuditPosition{e.time, e.id};
      EXPECT_EQ(Ids(q),
                std::vector<std::string>(full.begin() + static_cast<long>(k) + 1, full.end()));
    }
  }
}

// Paging with limit=1 through the reader (cursors signed and verified) while
// entries keep arriving: every entry of the window is seen exactly once.
TEST_F(AuditStoreTest, PagingWithLimitOneWhileWritesContinueLosesAndRepeatsNothing) {
  Seed(30);
  const LogReader reader(*store_, RandomHex(32));
  for (bool desc : {true, false}) {
    ListRequest req;
    req.query = Query();
    req.query.descending = desc;
    req.query.before = kBase + 500 * kMinute;
    req.limit = 1;
    std::set<std::string> window;  // what existed in the window when paging began
    for (const AuditEntry& e : all_) {
      if (e.account_id == kAccount && e.time < req.query.before) window.insert(e.id);
    }
    std::vector<std::string> seen;
    int n = 0;
    while (true) {
      const LogPage page = reader.Read(kAccount, req);
      ASSERT_LE(page.entries.size(), 1u);
      for (const AuditEntry& e : page.entries) seen.push_back(e.id);
      // New entries: some inside the window (tied with existing times), some
      // past it, and one in another account.
      Insert(Make(100 + n, kBase + (n % 15) * kMinute));
      Insert(Make(200 + n, kBase + 600 * kMinute + n));
      Insert(Make(300 + n, kBase + n * kMinute, kOther));
      ++n;
      if (!page.next_cursor) break;
      req.cursor = page.next_cursor;
      ASSERT_LT(n, 500);
    }
    const std::set<std::string> unique(seen.begin(), seen.end());
    EXPECT_EQ(unique.size(), seen.size()) << "duplicates";
    for (const std::string& id : window) EXPECT_TRUE(unique.count(id)) << "lost " << id;
    // Nothing from outside the window or account.
    for (const std::string& id : seen) {
      const AuditEntry& e =
          *std::find_if(all_.begin(), all_.end(), [&](const AuditEntry& x) { return x.id == id; });
      EXPECT_EQ(e.account_id, kAccount);
      EXPECT_LT(e.time, req.query.before);
    }
  }
}

TEST_F(AuditStoreTest, ReaderPagesEndWithoutACursorAndRefuseForgedOnes) {
  Seed(10);
  const LogReader reader(*store_, RandomHex(32));
  ListRequest req;
  req.query = Query();
  req.limit = 10;
  EXPECT_FALSE(reader.Read(kAccount, req).next_cursor);  // exactly the last page
  req.limit = 4;
  const LogPage first = reader.Read(kAccount, req);
  ASSERT_TRUE(first.next_cursor);
  std::string forged = *first.next_cursor;
  forged[3] = forged[3] == 'x' ? 'y' : 'x';
  for (const std::string& bad : {forged, std::string("garbage"), *first.next_cursor}) {
    req.cursor = bad;
    const std::string account = bad == *first.next_cursor ? kOther : kAccount;
    try {
      reader.Read(account, req);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Failure& f) {
      const ApiError e = api::ToApiError(f);  // as the wire sees it
      EXPECT_EQ(e.http_status(), 400u);
      EXPECT_NE(e.errors()[0].message.find("'cursor'"), std::string::npos);
    }
  }
  // Issued for desc, refused for asc.
  req.cursor = first.next_cursor;
  req.query.descending = false;
  EXPECT_THROW(reader.Read(kAccount, req), Failure);
}

TEST_F(AuditStoreTest, PruneDeletesOldestInBoundedChunksWithDetails) {
  Seed(50);  // times kBase .. kBase + 24 min; kOther's at kBase .. +4 min
  const Micros cutoff = kBase + 10 * kMinute;
  const auto old_count =
      std::count_if(all_.begin(), all_.end(), [&](const AuditEntry& e) { return e.time < cutoff; });
  ASSERT_EQ(old_count, 25);  // 20 of kAccount, 5 of kOther
  {
    auto tx = store_->Write();
    EXPECT_EQ(store_->PruneAuditEntries(*tx, cutoff, 7), 7);
    tx->Commit();
  }
  EXPECT_EQ(PruneAuditLog(*store_, cutoff, 4), 18);
  EXPECT_EQ(PruneAuditLog(*store_, cutoff, 4), 0);
  store::AuditQuery q = Query();
  const auto left = Ids(q);
  EXPECT_EQ(left.size(), 30u);
  q.account_id = kOther;
  EXPECT_TRUE(Ids(q).empty());
  // No details outlive their entries: re-inserting a pruned id's details works.
  const AuditEntry& gone = all_.front();
  auto tx = store_->Write();
  EXPECT_NO_THROW(store_->InsertAuditEntry(*tx, gone));
  // The 30 younger entries and the re-inserted one.
  EXPECT_EQ(store_->PruneAuditEntries(*tx, kBase + 100 * kMinute, 1000), 31);
}

TEST_F(AuditStoreTest, PruneRespectsMaxRowsPerPass) {
  Seed(30);
  EXPECT_EQ(PruneAuditLog(*store_, kBase + 100 * kMinute, 5, 10), 10);
  EXPECT_EQ(PruneAuditLog(*store_, kBase + 100 * kMinute, 5, 1000), 25);
}

TEST_F(AuditStoreTest, CursorKeyIsCreatedOnceAndKept) {
  const std::string key = LoadOrCreateCursorKey(*store_);
  EXPECT_EQ(key.size(), 64u);
  EXPECT_EQ(LoadOrCreateCursorKey(*store_), key);
  store_ = std::make_unique<store::Store>(store::OpenSqlite(path_));
  EXPECT_EQ(LoadOrCreateCursorKey(*store_), key);
}

TEST(AuditRetention, AgesAndTheirCutoffs) {
  const Micros now = 1730246400LL * 1000000;  // 2024-10-30
  EXPECT_EQ(ParseAge("90s")->Before(now), now - 90LL * 1000000);
  EXPECT_EQ(ParseAge("15m")->Before(now), now - 15LL * kMinute);
  EXPECT_EQ(ParseAge("12h")->Before(now), now - 12LL * 60 * kMinute);
  EXPECT_EQ(ParseAge("30d")->Before(now), now - 30LL * 24 * 60 * kMinute);
  EXPECT_EQ(ParseAge("2w")->Before(now), now - 14LL * 24 * 60 * kMinute);
  EXPECT_EQ(ParseAge("18mo")->Before(now), *ParseDate("2023-04-30"));
  EXPECT_EQ(ParseAge("1y")->Before(now), *ParseDate("2023-10-30"));
  for (const char* bad : {"", "0d", "d", "30", "-1d", "1.5d", "30 d", "30D", "1yr", "1001y",
                          "12001mo", "99999999999s", "1d2h"}) {
    EXPECT_FALSE(ParseAge(bad)) << bad;
  }
}

}  // namespace
}  // namespace cfiam::audit
