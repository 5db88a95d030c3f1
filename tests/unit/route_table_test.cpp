#include "api/route_table.h"

#include <gtest/gtest.h>

namespace cfiam::api {
namespace {

using boost::beast::http::verb;

Reply Noop(Context&) { return {}; }

std::vector<std::string> Split(std::initializer_list<const char*> s) {
  return {s.begin(), s.end()};
}

class RouteTableTest : public ::testing::Test {
 protected:
  std::vector<Route> routes{
      {verb::get, "/accounts", Noop, Access::kAuthenticated, "", ""},
      {verb::post, "/accounts", Noop, Access::kTenantAdmin, "", "Create"},
      {verb::get, "/accounts/{account_id}/tokens/{token_id}", Noop, Access::kAccount, "k", ""},
      {verb::get, "/accounts/{account_id}/tokens/verify", Noop, Access::kAccount, "v", ""},
      {verb::put, "/accounts/{account_id}/tokens/{token_id}", Noop, Access::kAccount, "k", "U"},
  };
  RouteTable table{routes};
};

TEST_F(RouteTableTest, MatchesLiteralPaths) {
  auto m = table.Match(verb::get, Split({"accounts"}));
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route, &routes[0]);
  EXPECT_EQ(table.Match(verb::post, Split({"accounts"})).route, &routes[1]);
}

TEST_F(RouteTableTest, CapturesParameters) {
  auto m = table.Match(verb::get, Split({"accounts", "a1", "tokens", "t1"}));
  ASSERT_EQ(m.route, &routes[2]);
  ASSERT_EQ(m.params.size(), 2u);
  EXPECT_EQ(m.params[0].first, "account_id");
  EXPECT_EQ(m.params[0].second, "a1");
  EXPECT_EQ(m.params[1].first, "token_id");
  EXPECT_EQ(m.params[1].second, "t1");
}

TEST_F(RouteTableTest, LiteralSegmentsBeatParameters) {
  auto m = table.Match(verb::get, Split({"accounts", "a1", "tokens", "verify"}));
  ASSERT_EQ(m.route, &routes[3]);
  EXPECT_EQ(m.params.size(), 1u);
}

TEST_F(RouteTableTest, WrongMethodReportsAllow) {
  auto m = table.Match(verb::delete_, Split({"accounts", "a1", "tokens", "t1"}));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "GET, PUT");
}

TEST_F(RouteTableTest, UnknownPaths) {
  for (auto segs : {Split({}), Split({"accounts", "a1"}), Split({"nope"}),
                    Split({"accounts", "a1", "tokens", "t1", "x"})}) {
    auto m = table.Match(verb::get, segs);
    EXPECT_EQ(m.route, nullptr);
    EXPECT_FALSE(m.path_known);
  }
}

TEST(AllRoutes, EveryAccountRouteNamesAPermissionAndEveryChangeAnAuditDescription) {
  for (const Route& r : AllRoutes()) {
    const std::string path(r.path);
    if (r.access == Access::kAccount || r.access == Access::kAccountAny) {
      EXPECT_FALSE(r.permission.empty()) << path;
      EXPECT_NE(path.find("{account_id}"), std::string::npos) << path;
    }
    if (r.method != verb::get) {
      EXPECT_FALSE(r.audit.empty()) << path;
      // Changes always run on the worker pool: they wait for the writer lock and fsync.
      EXPECT_FALSE(r.inline_ok) << path;
    }
  }
}

}  // namespace
}  // namespace cfiam::api
