#include "auth/resource_matcher.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "api/failure_map.h"
#include "util/api_error.h"

namespace cfiam::auth {
namespace {

const std::string A(32, 'a');
const std::string B(32, 'b');
const std::string Z(32, 'c');

ResourceMatcher Compile(const std::string& json, std::optional<std::string_view> own = {}) {
  return ResourceMatcher::Compile(boost::json::parse(json).as_object(), "resources", own);
}

std::string Key(const std::string& id) { return "com.cloudflare.api.account." + id; }
std::string ZoneKey(const std::string& id) { return "com.cloudflare.api.account.zone." + id; }

TEST(ResourceMatcher, AccountKeyCoversTheAccountAndItsZones) {
  auto m = Compile(R"({")" + Key(A) + R"(":"*"})");
  EXPECT_TRUE(m.Matches({A, ""}));
  EXPECT_TRUE(m.Matches({A, Z}));
  EXPECT_FALSE(m.Matches({B, ""}));
  EXPECT_FALSE(m.Matches({B, Z}));
}

TEST(ResourceMatcher, AccountWildcard) {
  auto m = Compile(R"({"com.cloudflare.api.account.*":"*"})");
  EXPECT_TRUE(m.Matches({A, ""}));
  EXPECT_TRUE(m.Matches({B, Z}));
}

TEST(ResourceMatcher, ZoneKeysNeverCoverAccountLevelResources) {
  auto one = Compile(R"({")" + ZoneKey(Z) + R"(":"*"})");
  EXPECT_TRUE(one.Matches({A, Z}));
  EXPECT_FALSE(one.Matches({A, std::string(32, 'd')}));
  EXPECT_FALSE(one.Matches({A, ""}));
  auto all = Compile(R"({"com.cloudflare.api.account.zone.*":"*"})");
  EXPECT_TRUE(all.Matches({B, Z}));
  EXPECT_FALSE(all.Matches({B, ""}));
}

TEST(ResourceMatcher, NestedZonesOfOneAccount) {
  auto m = Compile(R"({")" + Key(A) + R"(":{"com.cloudflare.api.account.zone.*":"*"}})");
  EXPECT_TRUE(m.Matches({A, Z}));
  EXPECT_FALSE(m.Matches({A, ""}));  // zones only, not the account itself
  EXPECT_FALSE(m.Matches({B, Z}));
  auto one = Compile(R"({")" + Key(A) + R"(":{")" + ZoneKey(Z) + R"(":"*"}})");
  EXPECT_TRUE(one.Matches({A, Z}));
  EXPECT_FALSE(one.Matches({A, std::string(32, 'd')}));
}

TEST(ResourceMatcher, AccountTokensMayOnlyNameTheirOwnAccount) {
  EXPECT_NO_THROW(Compile(R"({")" + Key(A) + R"(":"*"})", A));
  EXPECT_THROW(Compile(R"({")" + Key(B) + R"(":"*"})", A), Failure);
  EXPECT_THROW(Compile(R"({"com.cloudflare.api.account.*":"*"})", A), Failure);
  EXPECT_NO_THROW(Compile(R"({")" + Key(A) + R"(":{"com.cloudflare.api.account.zone.*":"*"}})", A));
}

TEST(ResourceMatcher, RejectsMalformedKeysAndValues) {
  for (const std::string& bad : {
           std::string(R"({})"),
           std::string(R"({"com.cloudflare.api.account.xyz":"*"})"),
           // A user key is valid only for user tokens (UserKeyCoversOnlyThatUser)
           // and only with a user id.
           std::string(R"({"com.cloudflare.api.user.xyz":"*"})"),
           R"({")" + Key(A) + R"(":"read"})",
           R"({")" + Key(A) + R"(":{}})",
           R"({")" + Key(A) + R"(":{")" + Key(B) + R"(":"*"}})",
           R"({")" + Key(A) + R"(":{")" + ZoneKey(Z) + R"(":1}})",
           R"({")" + ZoneKey(Z) + R"(":{"x":"*"}})",
           R"({")" + Key(A) + R"(":5})",
       }) {
    try {
      Compile(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Failure& f) {
      const ApiError e = api::ToApiError(f);  // as the wire sees it
      EXPECT_EQ(e.http_status(), 400u) << bad;
      EXPECT_EQ(e.errors()[0].pointer.rfind("/resources", 0), 0u) << e.errors()[0].pointer;
    }
  }
}

}  // namespace
}  // namespace cfiam::auth

namespace cfiam::auth {
namespace {

TEST(ResourceMatcher, UserKeyCoversOnlyThatUser) {
  const std::string user(32, 'e');
  auto m = Compile(R"({"com.cloudflare.api.user.)" + user + R"(":"*"})");
  EXPECT_TRUE(m.Matches({"", "", user}));
  EXPECT_FALSE(m.Matches({"", "", std::string(32, 'f')}));
  EXPECT_FALSE(m.Matches({A, ""}));
  ASSERT_EQ(m.entries().size(), 1u);
  EXPECT_EQ(m.entries()[0].user, user);
  // Account keys never cover a user, and account tokens cannot name one.
  EXPECT_FALSE(Compile(R"({"com.cloudflare.api.account.*":"*"})").Matches({"", "", user}));
  EXPECT_THROW(Compile(R"({"com.cloudflare.api.user.)" + user + R"(":"*"})", A), Failure);
  EXPECT_THROW(Compile(R"({"com.cloudflare.api.user.)" + user + R"(":{"x":"*"}})"), Failure);
  EXPECT_THROW(Compile(R"({"com.cloudflare.api.user.*":"*"})"), Failure);
}

}  // namespace
}  // namespace cfiam::auth
