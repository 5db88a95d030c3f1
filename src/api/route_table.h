// RouteTable: matches a request path against the route templates. Literal
// segments must be equal; `{name}` segments capture one decoded segment.
// Matching allocates only for the captured values of the winning route.
#pragma once

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

class RouteTable {
 public:
  explicit RouteTable(const std::vector<Route>& routes);
  // `segments` are the decoded path segments below /client/v4.
  RouteMatch Match(boost::beast::http::verb method, const std::vector<std::string>& segments) const;

 private:
  struct Compiled {
    const Route* route;
    std::vector<std::string_view> segments;  // "{x}" marks a parameter
  };
  static bool PathMatches(const Compiled& c, const std::vector<std::string>& segments);

  std::vector<Compiled> compiled_;
};

}  // namespace cfiam::api
