// Walks the whole route table (the Cloudflare routes and the emulator's):
// each row declares what the dispatcher, audit and the list handlers read
// from it, and no two rows can be confused with each other.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "api/route.h"
#include "api/route_table.h"
#include "audit/resource.h"

namespace cfiam::api {
namespace {

using boost::beast::http::verb;

std::vector<const Route*> EveryRow() {
  std::vector<const Route*> rows;
  for (const Route& r : AllRoutes()) rows.push_back(&r);
  for (const Route& r : EmulatorRoutes()) rows.push_back(&r);
  return rows;
}

std::set<std::string_view> Params(std::string_view path) {
  std::set<std::string_view> out;
  for (std::string_view seg : TemplateSegments(path)) {
    if (IsParamSegment(seg)) out.insert(seg.substr(1, seg.size() - 2));
  }
  return out;
}

TEST(RouteRows, PathTemplatesAreWellFormed) {
  for (const Route* r : EveryRow()) {
    const std::string path(r->path);
    ASSERT_TRUE(path.starts_with("/")) << path;
    EXPECT_FALSE(path.ends_with("/")) << path;
    std::set<std::string_view> seen;
    for (std::string_view seg : TemplateSegments(r->path)) {
      EXPECT_FALSE(seg.empty()) << path;
      if (IsParamSegment(seg)) {
        const std::string_view name = seg.substr(1, seg.size() - 2);
        EXPECT_TRUE(seen.insert(name).second) << path << ": {" << name << "} twice";
        for (char c : name) EXPECT_TRUE(c == '_' || (c >= 'a' && c <= 'z')) << path;
      } else {
        // A literal never looks like half a parameter.
        EXPECT_EQ(seg.find_first_of("{}"), std::string_view::npos) << path;
      }
    }
    if (r->access == Access::kAccount || r->access == Access::kAccountAny) {
      EXPECT_TRUE(seen.contains("account_id")) << path;
    }
  }
}

TEST(RouteRows, NoTwoRowsCollide) {
  // Same method and same shape (parameters blanked) would make one row
  // unreachable whatever their parameter names.
  std::set<std::pair<verb, std::string>> shapes;
  for (const Route* r : EveryRow()) {
    std::string shape;
    for (std::string_view seg : TemplateSegments(r->path)) {
      shape += '/';
      shape += IsParamSegment(seg) ? std::string_view("{}") : seg;
    }
    EXPECT_TRUE(shapes.emplace(r->method, shape).second)
        << to_string(r->method) << " " << r->path << " collides";
  }
}

TEST(RouteRows, EveryChangeDeclaresItsAuditResource) {
  for (const Route* r : EveryRow()) {
    const std::string path(r->path);
    if (r->audit.empty()) {
      EXPECT_TRUE(r->resource.product.empty()) << path << ": a read is not audited";
      continue;
    }
    EXPECT_FALSE(r->resource.product.empty()) << path;
    EXPECT_FALSE(r->resource.type.empty()) << path;
    const std::string_view action = audit::ActionType(to_string(r->method), r->resource);
    EXPECT_TRUE(action == "create" || action == "update" || action == "delete") << path;
    const std::set<std::string_view> params = Params(r->path);
    if (!r->resource.id_param.empty()) {
      EXPECT_TRUE(params.contains(r->resource.id_param))
          << path << ": {" << r->resource.id_param << "} is not in the path";
    } else {
      // Without an id parameter the entry takes the result's id: only a
      // create, or a route whose path names nothing, may rely on that.
      EXPECT_TRUE(action == "create" || params.empty()) << path;
    }
  }
}

TEST(RouteRows, EveryListDeclaresItsPaging) {
  for (const Route* r : EveryRow()) {
    const std::string path(r->path);
    const auto segs = TemplateSegments(r->path);
    // A GET of a collection: the template ends in a literal that is neither
    // an operation (verify) nor a singleton (/user).
    const bool list = r->method == verb::get && !segs.empty() && !IsParamSegment(segs.back()) &&
                      segs.back() != "verify" && path != "/user";
    if (!list) {
      EXPECT_EQ(r->paging.kind, Paging::Kind::kNone) << path;
      continue;
    }
    EXPECT_NE(r->paging.kind, Paging::Kind::kNone) << path << " lists without declaring paging";
    if (r->paging.kind == Paging::Kind::kPages || r->paging.kind == Paging::Kind::kCursor) {
      const PageBounds& b = r->paging.bounds;
      EXPECT_GE(b.min_per_page, 1) << path;
      EXPECT_LE(b.min_per_page, b.default_per_page) << path;
      EXPECT_LE(b.default_per_page, b.max_per_page) << path;
    }
  }
}

TEST(RouteRows, EveryRowIsFoundByTheMatcher) {
  // Each row, requested with sample ids, matches itself (not a sibling).
  RouteTable table(AllRoutes());
  for (const Route& r : AllRoutes()) {
    std::vector<std::string> segments;
    for (std::string_view seg : TemplateSegments(r.path)) {
      segments.emplace_back(IsParamSegment(seg) ? "0123456789abcdef0123456789abcdef"
                                                : std::string(seg));
    }
    const RouteMatch m = table.Match(r.method, segments);
    EXPECT_EQ(m.route, &r) << r.path;
    EXPECT_EQ(m.params.size(), Params(r.path).size()) << r.path;
  }
}

TEST(RouteRows, ChangesRunOnTheWorkerPool) {
  for (const Route* r : EveryRow()) {
    if (!r->audit.empty()) {
      EXPECT_FALSE(r->inline_ok) << r->path;
    }
  }
}

// A kept answer (Route::kept) is served on the I/O thread from memory: only
// reads have one, the dispatcher asks for it only on rows not already inline,
// and the list pages of issue 15 have it.
TEST(RouteRows, KeptAnswersAreReadsOnly) {
  std::set<std::string_view> kept;
  for (const Route* r : EveryRow()) {
    if (r->kept == nullptr) continue;
    kept.insert(r->path);
    EXPECT_EQ(r->method, verb::get) << r->path;
    EXPECT_TRUE(r->audit.empty()) << r->path;
    EXPECT_FALSE(r->inline_ok) << r->path;
    EXPECT_EQ(r->paging.kind, Paging::Kind::kPages) << r->path;
  }
  EXPECT_EQ(kept, (std::set<std::string_view>{"/accounts/{account_id}/members",
                                              "/accounts/{account_id}/tokens", "/user/tokens"}));
}

}  // namespace
}  // namespace cfiam::api
