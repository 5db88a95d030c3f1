#include "audit/resource.h"

#include <vector>

namespace cfiam::audit {
namespace {

// Literal segments that name an operation on the resource before them, not
// a collection of their own.
bool IsActionSegment(std::string_view s) {
  return s == "value" || s == "begin_verification" || s == "verify";
}

bool IsParam(std::string_view s) { return !s.empty() && s.front() == '{'; }

std::string Singular(std::string_view collection) {
  if (!collection.empty() && collection.back() == 's') collection.remove_suffix(1);
  return std::string(collection);
}

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    if (path.front() == '/') path.remove_prefix(1);
    const size_t end = path.find('/');
    out.push_back(path.substr(0, end));
    if (end == std::string_view::npos) break;
    path.remove_prefix(end);
  }
  return out;
}

}  // namespace

ResourceKind ResourceOf(std::string_view route_path) {
  ResourceKind kind;
  std::vector<std::string_view> segs = Split(route_path);
  if (segs.empty()) return kind;
  kind.scope = std::string(segs[0]);  // accounts | memberships | user
  // Collections and their id parameters after the scope; the account is the
  // scope, not the resource, unless nothing follows it.
  std::vector<std::string_view> collections;
  std::string_view last_param;
  size_t i = 0;
  if (segs[0] == "accounts" && segs.size() >= 2) {
    i = 2;
  }
  if (i >= segs.size()) {
    collections.push_back(segs[0]);
    if (segs.size() >= 2) last_param = segs[1];
  }
  for (; i < segs.size(); ++i) {
    const std::string_view s = segs[i];
    if (IsParam(s)) {
      last_param = s;
    } else if (IsActionSegment(s)) {
      kind.action = true;
    } else if (s != "iam") {
      collections.push_back(s);
      last_param = {};
    }
  }
  if (!collections.empty()) {
    kind.product = std::string(collections.front());
    kind.type = Singular(collections.front());
    for (size_t c = 1; c < collections.size(); ++c) {
      // Appended piecewise: `"_" + std::string` trips GCC 12's -Wrestrict
      // false positive (PR 105329) in Release builds.
      kind.type += '_';
      kind.type += Singular(collections[c]);
    }
  }
  if (!last_param.empty()) {
    kind.id_param = std::string(last_param.substr(1, last_param.size() - 2));
  }
  // A sub-collection change (group members) is about the parent resource
  // when no member id names one.
  if (kind.id_param.empty() && collections.size() > 1) {
    std::string_view parent;
    for (size_t j = 0; j + 1 < segs.size(); ++j) {
      if (IsParam(segs[j]) && segs[j] != "{account_id}") parent = segs[j];
    }
    if (!parent.empty()) kind.id_param = std::string(parent.substr(1, parent.size() - 2));
  }
  return kind;
}

std::string_view ActionType(std::string_view method, const ResourceKind& kind) {
  if (method == "DELETE") return "delete";
  if (method == "POST" && !kind.action) return "create";
  return "update";
}

}  // namespace cfiam::audit
