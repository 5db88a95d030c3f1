// List pages written as text (api/json_text.h, AppendMemberJson,
// AppendTokenJson assembled with its live values) against the tree renderers
// they replace: the bytes must be exactly what serializing RenderMember's /
// RenderToken's object gave, for rows with every optional part, awkward
// characters and non-canonical stored JSON.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <random>

#include "api/json_text.h"
#include "api/list_cache.h"
#include "api/render_iam.h"
#include "api/services.h"
#include "api/token_wire.h"
#include "domain/domain_verifier.h"
#include "store/migrations.h"
#include "util/random.h"

namespace cfiam::api {
namespace {
namespace json = boost::json;

// Strings that exercise every escape, multi-byte UTF-8 and DEL.
const std::vector<std::string> kAwkward = {
    "",
    "plain",
    "quote\" back\\slash",
    "ctl\x01\x1f\b\t\n\f\r",
    "\x7f del",
    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
    "/slash</script>",
};

TEST(JsonText, StringsAndIntegersAsBoostWritesThem) {
  for (int c = 0; c < 256; ++c) {
    const std::string s(1, static_cast<char>(c));
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, json::serialize(json::string(s))) << c;
  }
  for (const std::string& s : kAwkward) {
    std::string out;
    AppendJsonString(out, s);
    EXPECT_EQ(out, json::serialize(json::string(s)));
  }
  for (const std::int64_t n :
       {std::int64_t{0}, std::int64_t{-1}, std::int64_t{42},
        std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    std::string out;
    AppendJsonInt(out, n);
    EXPECT_EQ(out, json::serialize(json::value(n)));
  }
}

// Whatever IsCanonicalJson accepts parses and serializes back to itself.
void ExpectCanonicalIffRoundTrips(const std::string& text, bool canonical) {
  EXPECT_EQ(IsCanonicalJson(text), canonical) << text;
  if (!canonical) return;
  EXPECT_EQ(json::serialize(json::parse(text)), text);
}

TEST(JsonText, CanonicalJsonIsExactlyWhatSerializingGives) {
  // Serialized values are canonical.
  for (const std::string& s : kAwkward) {
    json::object o{{"k", s}, {"n", -12}, {"t", true}, {"f", false}, {"z", nullptr}};
    json::array a{o, json::array{}, json::object{}, json::array{1, 2, json::array{3}}};
    ExpectCanonicalIffRoundTrips(json::serialize(a), true);
    ExpectCanonicalIffRoundTrips(json::serialize(o), true);
  }
  ExpectCanonicalIffRoundTrips(R"([{"id":"a","effect":"allow","resources":{"x":"*"}}])", true);
  // Everything else is refused, valid JSON or not.
  for (const char* text : {R"([{"id": "a"}])",
                           R"([ 1])",
                           R"({"a":1,"a":2})",
                           R"(["\/"])",
                           R"(["\u0041"])",
                           R"(["\u000a"])",
                           R"(["\u001F"])",
                           R"([1.5])",
                           R"([1e3])",
                           R"([-0])",
                           R"([01])",
                           R"([1234567890123456789])",
                           "[\"\xc3\"]",
                           "[\"\xed\xa0\x80\"]",
                           "[\"\xc0\xaf\"]",
                           "[\"\x01\"]",
                           R"(["a")",
                           R"([1,])",
                           R"({"a":})",
                           R"({"a"})",
                           R"([tru])",
                           "",
                           "[]x",
                           R"({"a":1}{)"}) {
    ExpectCanonicalIffRoundTrips(text, false);
  }
  ExpectCanonicalIffRoundTrips(R"(["\u001f","\n","\u0000"])", true);
  // Nesting is bounded.
  ExpectCanonicalIffRoundTrips(std::string(17, '[') + std::string(17, ']'), false);
  ExpectCanonicalIffRoundTrips(std::string(16, '[') + std::string(16, ']'), true);
}

TEST(JsonText, RandomTextsThatPassRoundTrip) {
  // Random short texts over JSON's alphabet: any accepted one must round-trip.
  const std::string alphabet = "{}[]\",:01-9tfrueanl\\u ab\x01\xc3\xa9";
  std::mt19937 rng(15);
  int accepted = 0;
  for (int i = 0; i < 200000; ++i) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 12);
    for (int k = 0; k < n; ++k) text.push_back(alphabet[rng() % alphabet.size()]);
    if (!IsCanonicalJson(text)) continue;
    ++accepted;
    json::error_code ec;
    const json::value v = json::parse(text, ec);
    ASSERT_FALSE(ec) << text;
    EXPECT_EQ(json::serialize(v), text);
  }
  EXPECT_GT(accepted, 100);
}

class ListTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("cfiam-text-" + RandomHex(8));
    std::filesystem::create_directories(dir_);
    const std::string path = (dir_ / "t.db").string();
    store::ApplyMigrations(*store::OpenSqlite(path));
    store_ = std::make_unique<store::Store>(store::OpenSqlite(path));
    Account a;
    a.id = NewId();
    a.name = "A";
    a.created_on = 1;
    group_.id = NewId();
    group_.account_id = a.id;
    group_.name = "Group \"one\"";
    group_.scope_key = "com.cloudflare.api.account." + a.id;
    group_.objects = {"com.cloudflare.api.account.zone.1", "com.cloudflare.api.account.zone.2"};
    auto tx = store_->Write();
    store_->InsertAccount(*tx, a);
    store_->InsertResourceGroup(*tx, group_);
    tx->Commit();
    feed_ = std::make_unique<auth::ChangeFeed>(*store_, directory_, catalog_);
    feed_->Load();
    verifier_ = std::make_unique<DomainVerifier>(*store_, VerifierOptions{});
    services_ = std::make_unique<Services>(*store_, directory_, *feed_, catalog_, *verifier_,
                                           std::vector<std::string>{});
  }
  void TearDown() override {
    services_.reset();
    verifier_.reset();
    feed_.reset();
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
  auth::Catalog catalog_;
  auth::Directory directory_;
  std::unique_ptr<auth::ChangeFeed> feed_;
  std::unique_ptr<DomainVerifier> verifier_;
  std::unique_ptr<Services> services_;
  ResourceGroup group_;
};

TEST_F(ListTextTest, MembersAreWrittenAsRenderMemberSerializes) {
  const auto& roles = catalog_.roles();
  ASSERT_GE(roles.size(), 3u);
  std::vector<store::MemberWithUser> rows;
  for (std::size_t i = 0; i < kAwkward.size() * 3; ++i) {
    store::MemberWithUser mu;
    mu.user = User{NewId(),
                   kAwkward[i % kAwkward.size()] + "@example.com",
                   kAwkward[(i + 1) % kAwkward.size()],
                   kAwkward[(i + 2) % kAwkward.size()],
                   i % 2 == 0,
                   false,
                   1};
    mu.member.id = NewId();
    mu.member.user_id = mu.user.id;
    mu.member.status = i % 3 == 0 ? "pending" : "accepted";
    switch (i % 4) {
      case 0:  // roles, one unknown (skipped)
        mu.member.role_ids = {roles[i % roles.size()].id, "0123456789abcdef0123456789abcdef",
                              roles[(i + 1) % roles.size()].id};
        break;
      case 1:  // policies with known and unknown groups
        mu.member.policies = {Policy{NewId(),
                                     "allow",
                                     {roles[0].id, "ffffffffffffffffffffffffffffffff"},
                                     {group_.id, "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"}},
                              Policy{NewId(), "deny", {roles[1].id}, {group_.id}}};
        break;
      case 2:  // neither
        break;
      default:  // both shapes over rows: a single role
        mu.member.role_ids = {roles.back().id};
    }
    rows.push_back(std::move(mu));
  }
  RenderMemo tree_memo, text_memo;
  for (const auto& mu : rows) {
    std::string text;
    AppendMemberJson(text, mu, *services_, text_memo);
    EXPECT_EQ(text, json::serialize(RenderMember(mu, *services_, &tree_memo))) << mu.user.email;
  }
}

TEST_F(ListTextTest, TokensAreWrittenAsRenderTokenSerializes) {
  const std::string canonical =
      R"([{"id":"p1","effect":"allow","permission_groups":[{"id":"c1fde68c7bcc44588cbb6ddbc16d6480","name":"Read \"x\""}],"resources":{"com.cloudflare.api.account.a":"*"}}])";
  std::vector<Token> rows;
  for (std::size_t i = 0; i < kAwkward.size() * 4; ++i) {
    Token t;
    t.id = NewId();
    t.name = kAwkward[i % kAwkward.size()];
    t.status = i % 5 == 0 ? "disabled" : "active";
    t.issued_on = 1700000000000000 + static_cast<Micros>(i);
    t.modified_on = t.issued_on + 1234567;
    switch (i % 4) {
      case 0:
        t.policies_json = canonical;
        break;
      case 1:  // written by other means: spaces, an escaped slash, a float
        t.policies_json = R"([ {"id": "p\/2", "effect": "deny", "weight": 1.5} ])";
        break;
      case 2:
        t.policies_json = "[]";
        break;
      default:  // a repeated key
        t.policies_json = R"([{"id":"a","id":"b"}])";
    }
    if (i % 3 == 0) t.not_before = 1600000000000000;
    if (i % 3 == 1) t.expires_on = i % 2 ? 1000 : 4000000000000000;  // past: "expired"
    if (i % 2 == 0) t.last_used_on = 1700000000123456;
    if (i % 5 == 1) t.condition_json = R"({"request_ip":{"in":["10.0.0.0/8"]}})";
    if (i % 5 == 2) t.condition_json = R"({ })";  // empty: left out
    if (i % 5 == 3) t.condition_json = "[]";      // not an object: left out
    // A use not flushed yet: the live last_used_on takes the newer one.
    if (i % 4 == 3) services_->last_used.Touch(t.id, 1700000000999999);
    rows.push_back(std::move(t));
  }
  for (const Token& t : rows) {
    CachedPage page;
    StoredLastUsed stored;
    AppendTokenJson(page, t, stored);
    EXPECT_EQ(AssemblePage(page, *services_, stored),
              json::serialize(RenderToken(t, services_->tokens)))
        << t.policies_json;
  }
}

}  // namespace
}  // namespace cfiam::api
