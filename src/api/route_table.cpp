#include "api/route_table.h"

#include <boost/beast/http/verb.hpp>

namespace cfiam::api {
namespace {

bool IsParam(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

RouteTable::RouteTable(const std::vector<Route>& routes) {
  for (const Route& r : routes) {
    Compiled c{&r, {}};
    std::string_view p = r.path;
    while (!p.empty()) {
      p.remove_prefix(1);  // leading '/'
      const auto slash = p.find('/');
      c.segments.push_back(p.substr(0, slash));
      p = slash == std::string_view::npos ? std::string_view{} : p.substr(slash);
    }
    compiled_.push_back(std::move(c));
  }
}

RouteMatch RouteTable::Match(boost::beast::http::verb method,
                             const std::vector<std::string>& segments) const {
  RouteMatch m;
  // Literal segments beat parameters (".../tokens/verify" over ".../tokens/{token_id}").
  int best_literals = -1;
  const Compiled* best = nullptr;
  for (const Compiled& c : compiled_) {
    if (c.segments.size() != segments.size() || !PathMatches(c, segments)) continue;
    m.path_known = true;
    if (c.route->method != method) continue;
    int literals = 0;
    for (std::string_view seg : c.segments) literals += IsParam(seg) ? 0 : 1;
    if (literals > best_literals) {
      best_literals = literals;
      best = &c;
    }
  }
  if (best) {
    m.route = best->route;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (IsParam(best->segments[i])) {
        m.params.emplace_back(best->segments[i].substr(1, best->segments[i].size() - 2),
                              segments[i]);
      }
    }
  } else if (m.path_known) {
    // Only a 405 needs the Allow list; build it off the hot path.
    for (const Compiled& c : compiled_) {
      if (c.segments.size() != segments.size() || !PathMatches(c, segments)) continue;
      const std::string_view verb = boost::beast::http::to_string(c.route->method);
      if (m.allow.find(verb) == std::string::npos) {
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += verb;
      }
    }
  }
  return m;
}

bool RouteTable::PathMatches(const Compiled& c, const std::vector<std::string>& segments) {
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!IsParam(c.segments[i]) && c.segments[i] != segments[i]) return false;
  }
  return true;
}

}  // namespace cfiam::api
