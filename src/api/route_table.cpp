#include "api/route_table.h"

#include <algorithm>
#include <boost/beast/http/verb.hpp>
#include <functional>

namespace cfiam::api {

struct RouteTable::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> literals;
  std::unique_ptr<Node> param;  // any "{name}" segment
  std::vector<Entry> entries;   // rows whose template ends here, in table order
};

std::vector<std::string_view> TemplateSegments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    path.remove_prefix(1);  // leading '/'
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view{} : path.substr(slash);
  }
  return out;
}

bool IsParamSegment(std::string_view seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

RouteTable::RouteTable(const std::vector<Route>& routes) : root_(std::make_unique<Node>()) {
  for (std::size_t i = 0; i < routes.size(); ++i) {
    Entry entry{&routes[i], i, TemplateSegments(routes[i].path)};
    Node* node = root_.get();
    for (std::string_view seg : entry.segments) {
      std::unique_ptr<Node>* child = nullptr;
      if (IsParamSegment(seg)) {
        child = &node->param;
      } else {
        auto it = node->literals.find(seg);
        if (it == node->literals.end())
          it = node->literals.emplace(std::string(seg), nullptr).first;
        child = &it->second;
      }
      if (!*child) *child = std::make_unique<Node>();
      node = child->get();
    }
    node->entries.push_back(std::move(entry));
  }
}

RouteTable::~RouteTable() = default;

template <class Visit>
void RouteTable::Walk(const Node& node, const std::vector<std::string>& segments, std::size_t depth,
                      int literals, Visit& visit) {
  if (depth == segments.size()) {
    if (!node.entries.empty()) visit(node, literals);
    return;
  }
  if (auto it = node.literals.find(segments[depth]); it != node.literals.end()) {
    Walk(*it->second, segments, depth + 1, literals + 1, visit);
  }
  if (node.param) Walk(*node.param, segments, depth + 1, literals, visit);
}

RouteMatch RouteTable::Match(boost::beast::http::verb method,
                             const std::vector<std::string>& segments) const {
  RouteMatch m;
  const Entry* best = nullptr;
  int best_literals = -1;
  auto pick = [&](const Node& node, int literals) {
    m.path_known = true;
    for (const Entry& e : node.entries) {
      if (e.route->method != method) continue;
      if (literals > best_literals || (literals == best_literals && e.index < best->index)) {
        best = &e;
        best_literals = literals;
      }
    }
  };
  Walk(*root_, segments, 0, 0, pick);
  if (best) {
    m.route = best->route;
    for (std::size_t i = 0; i < segments.size(); ++i) {
      const std::string_view seg = best->segments[i];
      if (IsParamSegment(seg)) m.params.emplace_back(seg.substr(1, seg.size() - 2), segments[i]);
    }
  } else if (m.path_known) {
    // Only a 405 needs the Allow list; build it off the hot path.
    std::vector<const Entry*> matching;
    auto collect = [&](const Node& node, int) {
      for (const Entry& e : node.entries) matching.push_back(&e);
    };
    Walk(*root_, segments, 0, 0, collect);
    std::sort(matching.begin(), matching.end(),
              [](const Entry* a, const Entry* b) { return a->index < b->index; });
    for (const Entry* e : matching) {
      const std::string_view verb = boost::beast::http::to_string(e->route->method);
      if (m.allow.find(verb) == std::string::npos) {
        if (!m.allow.empty()) m.allow += ", ";
        m.allow += verb;
      }
    }
  }
  return m;
}

}  // namespace cfiam::api
