#include "api/route_table.h"

#include <gtest/gtest.h>

#include <set>

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

TEST(RouteTable, TiesGoToTheEarlierRowAndAllowFollowsTableOrder) {
  // Two shapes match "/x/lit": {a}/lit and x/{b}; each has one literal.
  std::vector<Route> routes{
      {verb::delete_, "/x/{b}", Noop, Access::kAuthenticated, "", "D"},
      {verb::get, "/{a}/lit", Noop, Access::kAuthenticated, "", ""},
      {verb::get, "/x/{b}", Noop, Access::kAuthenticated, "", ""},
      {verb::put, "/{a}/lit", Noop, Access::kAuthenticated, "", "P"},
  };
  RouteTable table(routes);
  auto m = table.Match(verb::get, Split({"x", "lit"}));
  ASSERT_EQ(m.route, &routes[1]);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "a");
  EXPECT_EQ(m.params[0].second, "x");
  // Parameter names come from the winning row, not from a shared trie node.
  m = table.Match(verb::get, Split({"x", "other"}));
  ASSERT_EQ(m.route, &routes[2]);
  EXPECT_EQ(m.params[0].first, "b");
  m = table.Match(verb::post, Split({"x", "lit"}));
  EXPECT_EQ(m.route, nullptr);
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.allow, "DELETE, GET, PUT");
}

// The reference: test every route, as the matcher did before the trie.
RouteMatch ScanMatch(const std::vector<Route>& routes, verb method,
                     const std::vector<std::string>& segments) {
  RouteMatch m;
  int best_literals = -1;
  for (const Route& r : routes) {
    const auto t = TemplateSegments(r.path);
    if (t.size() != segments.size()) continue;
    int literals = 0;
    bool ok = true;
    for (size_t i = 0; i < t.size() && ok; ++i) {
      if (IsParamSegment(t[i])) continue;
      ok = t[i] == segments[i];
      ++literals;
    }
    if (!ok) continue;
    m.path_known = true;
    const std::string_view v = boost::beast::http::to_string(r.method);
    if (m.allow.find(v) == std::string::npos)
      m.allow += (m.allow.empty() ? "" : ", ") + std::string(v);
    if (r.method == method && literals > best_literals) {
      best_literals = literals;
      m.route = &r;
    }
  }
  if (m.route) m.allow.clear();
  return m;
}

TEST(RouteTable, AgreesWithAScanOverTheWholeTable) {
  const std::vector<Route>& routes = AllRoutes();
  RouteTable table(routes);
  // Every template, with its parameters filled by an id or by each literal
  // of the table (so literal-vs-parameter choices are exercised), a segment
  // dropped or added, under every method.
  std::set<std::string> words{"0123456789abcdef0123456789abcdef", "", "x"};
  for (const Route& r : routes) {
    for (std::string_view seg : TemplateSegments(r.path)) {
      if (!IsParamSegment(seg)) words.emplace(seg);
    }
  }
  std::vector<std::vector<std::string>> paths;
  for (const Route& r : routes) {
    const auto t = TemplateSegments(r.path);
    for (const std::string& w : words) {
      std::vector<std::string> p;
      for (std::string_view seg : t) p.emplace_back(IsParamSegment(seg) ? w : std::string(seg));
      paths.push_back(p);
      p.push_back(w);
      paths.push_back(p);
      p.pop_back();
      if (!p.empty()) p.pop_back();
      paths.push_back(p);
    }
  }
  int checked = 0;
  for (const auto& p : paths) {
    for (verb method : {verb::get, verb::post, verb::put, verb::patch, verb::delete_, verb::head}) {
      const RouteMatch want = ScanMatch(routes, method, p);
      const RouteMatch got = table.Match(method, p);
      ASSERT_EQ(got.route, want.route) << to_string(method) << " " << ::testing::PrintToString(p);
      ASSERT_EQ(got.path_known, want.path_known) << ::testing::PrintToString(p);
      ASSERT_EQ(got.allow, want.allow) << ::testing::PrintToString(p);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000);
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
