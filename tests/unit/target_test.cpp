// ParseTarget: the plain-target shortcut must split exactly as the general
// Boost.URL path does.
#include <gtest/gtest.h>

#include <boost/url.hpp>
#include <string>
#include <vector>

#include "api/dispatcher.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace {

struct Parsed {
  bool ok = false;
  unsigned status = 0;
  std::string message;
  std::vector<std::string> segments;
  std::vector<std::pair<std::string, std::string>> query;
};

Parsed Describe(std::string_view target) {
  Parsed p;
  try {
    QueryParams q;
    ParseTarget(target, p.segments, q);
    p.query = q.items();
    p.ok = true;
  } catch (const ApiError& e) {
    p.status = e.http_status();
    p.message = e.errors()[0].message;
  }
  return p;
}

// The general parse alone (what every target took before the shortcut).
Parsed Reference(std::string_view target) {
  Parsed p;
  auto parsed = boost::urls::parse_origin_form(target);
  if (!parsed) {
    p.status = 400;
    p.message = "Malformed request target";
    return p;
  }
  auto segs = parsed->segments();
  auto it = segs.begin();
  if (segs.size() < 2 || *it != "client" || *++it != "v4") {
    p.status = 404;
    p.message = "Could not route to " + std::string(parsed->encoded_path()) +
                ", perhaps your object identifier is invalid?";
    return p;
  }
  for (++it; it != segs.end(); ++it) p.segments.emplace_back(*it);
  if (!p.segments.empty() && p.segments.back().empty()) p.segments.pop_back();
  for (auto param : parsed->params()) {
    p.query.emplace_back(param.key, param.has_value ? std::string(param.value) : std::string());
  }
  p.ok = true;
  return p;
}

TEST(ParseTarget, PlainTargetsSplitLikeTheUrlParser) {
  const char* targets[] = {
      "/client/v4/",
      "/client/v4",
      "/client/v4/accounts",
      "/client/v4/accounts/",
      "/client/v4/accounts/0123456789abcdef0123456789abcdef",
      "/client/v4/accounts/0123456789abcdef0123456789abcdef/tokens/verify",
      "/client/v4/accounts/0123456789abcdef0123456789abcdef/tokens/verify/",
      "/client/v4/accounts//tokens",
      "/client/v4//",
      "/client/v4///",
      "/client/v4/iam/permission_groups",
      "/client/v4/a-b_c~d/E",
      "/client/v4/accounts/%41bc",
      "/client/v4/accounts/a%2Fb",
      "/client/v4/accounts/./x",
      "/client/v4/accounts/../x",
      "/client/v4/accounts?page=2&per_page=5",
      "/client/v4/accounts/?name=a%20b&flag",
      "/client/v4/accounts/0123456789abcdef0123456789abcdef/members?per_page=50",
      "/client/v4/accounts/0123456789abcdef0123456789abcdef/members?per_page=50&page=200",
      "/client/v4/accounts/x/members?order=user.email&direction=desc&status=pending",
      "/client/v4/accounts/x/members/?per_page=50",
      "/client/v4/accounts?flag",
      "/client/v4/accounts?flag&page=",
      "/client/v4/accounts?page=1&page=2",
      "/client/v4/accounts?",
      "/client/v4/accounts?&",
      "/client/v4/accounts?page=1&",
      "/client/v4/accounts?&page=1",
      "/client/v4/accounts?page=1&&per_page=5",
      "/client/v4/accounts?=1",
      "/client/v4/accounts?a=b=c",
      "/client/v4/accounts?a==",
      "/client/v4/accounts?name=a+b",
      "/client/v4/accounts?name=a%2Bb",
      "/client/v4/accounts?name=%zz",
      "/client/v4/accounts?name=a b",
      "/client/v4/accounts?name=a?b",
      "/client/v4/accounts?name=a/b",
      "/client/v4/accounts?name=a#b",
      "/client/v4/accounts?na.me=..",
      "/client/v4/accounts/./x?page=1",
      "/client/v4/accounts/%41?page=1",
      "/client/v4?page=1",
      "/client/v4/?page=1",
      "/client/v4/accounts/x y",
      "/client/v4/accounts/\x01",
      "/client/v4/accounts/%zz",
      "/client/v5/accounts",
      "/client/accounts",
      "/clientv4/accounts",
      "//client/v4/accounts",
      "/Client/v4/accounts",
      "/client/v4accounts",
      "/healthz",
      "/",
      "*",
      "",
  };
  for (const char* t : targets) {
    const Parsed got = Describe(t), want = Reference(t);
    EXPECT_EQ(got.ok, want.ok) << t;
    EXPECT_EQ(got.status, want.status) << t;
    EXPECT_EQ(got.message, want.message) << t;
    EXPECT_EQ(got.segments, want.segments) << t;
    EXPECT_EQ(got.query, want.query) << t;
  }
}

TEST(ParseTarget, ReusedVectorsAreReplaced) {
  std::vector<std::string> segments{"stale"};
  QueryParams query(std::vector<std::pair<std::string, std::string>>{{"page", "2"}});
  ParseTarget("/client/v4/accounts/abc", segments, query);
  EXPECT_EQ(segments, (std::vector<std::string>{"accounts", "abc"}));
  EXPECT_TRUE(query.items().empty());
  ParseTarget("/client/v4/accounts?page=3", segments, query);
  EXPECT_EQ(segments, (std::vector<std::string>{"accounts"}));
  EXPECT_EQ(query.Get("page"), "3");
  ParseTarget("/client/v4/accounts?per_page=5", segments, query);
  EXPECT_EQ(query.Get("page"), std::nullopt);
  EXPECT_EQ(query.Get("per_page"), "5");
}

}  // namespace
}  // namespace cfiam::api
