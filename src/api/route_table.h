// RouteTable: matches a request path against the route templates. Literal
// segments must be equal; `{name}` segments capture one decoded segment.
//
// The templates are compiled into a segment trie, so a match walks the
// request's segments (trying a literal child, then the parameter child, at
// each depth) instead of testing every route. Among the routes whose path
// matches, the one with the most literal segments wins
// (".../tokens/verify" over ".../tokens/{token_id}"), the earlier row on a
// tie; the Allow list of a 405 names every method of every matching path, in
// table order. Matching allocates only for the captured values of the
// winning route (and the Allow list of a 405).
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "api/route.h"

namespace cfiam::api {

struct RouteMatch {
  const Route* route = nullptr;  // set when path and method match
  PathParams params;
  bool path_known = false;  // some route has this path (for 405)
  std::string allow;        // methods allowed on this path, for 405
};

// A template split at '/': "/accounts/{account_id}" -> {"accounts", "{account_id}"}.
std::vector<std::string_view> TemplateSegments(std::string_view path);
// True for a "{name}" segment of a template.
bool IsParamSegment(std::string_view segment);

class RouteTable {
 public:
  // `routes` must outlive the table.
  explicit RouteTable(const std::vector<Route>& routes);
  ~RouteTable();
  RouteTable(const RouteTable&) = delete;
  RouteTable& operator=(const RouteTable&) = delete;

  // `segments` are the decoded path segments below /client/v4.
  RouteMatch Match(boost::beast::http::verb method, const std::vector<std::string>& segments) const;

 private:
  struct Node;
  // A row ending at a node: its place in the table (ties and Allow order)
  // and its template's segments (for the parameter names).
  struct Entry {
    const Route* route;
    std::size_t index;
    std::vector<std::string_view> segments;
  };
  // Calls visit(node, literal_count) for every node whose path matches `segments`.
  template <class Visit>
  static void Walk(const Node& node, const std::vector<std::string>& segments, std::size_t depth,
                   int literals, Visit& visit);

  std::unique_ptr<Node> root_;
};

}  // namespace cfiam::api
