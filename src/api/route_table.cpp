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
  for (const Compiled& c : compiled_) {
    if (c.segments.size() != segments.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < segments.size() && ok; ++i) {
      ok = IsParam(c.segments[i]) || c.segments[i] == segments[i];
    }
    if (!ok) continue;
    m.path_known = true;
    const std::string_view verb = boost::beast::http::to_string(c.route->method);
    if (m.allow.find(verb) == std::string::npos) {
      if (!m.allow.empty()) m.allow += ", ";
      m.allow += verb;
    }
    if (c.route->method != method) continue;
    int literals = 0;
    for (std::string_view seg : c.segments) literals += IsParam(seg) ? 0 : 1;
    if (literals <= best_literals) continue;
    best_literals = literals;
    m.route = c.route;
    m.params.clear();
    for (size_t i = 0; i < segments.size(); ++i) {
      if (IsParam(c.segments[i])) {
        m.params.emplace_back(c.segments[i].substr(1, c.segments[i].size() - 2), segments[i]);
      }
    }
  }
  return m;
}

}  // namespace cfiam::api
