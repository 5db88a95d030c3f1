#include "audit/resource.h"

namespace cfiam::audit {

std::string_view ScopeOf(std::string_view route_path) {
  if (route_path.starts_with('/')) route_path.remove_prefix(1);
  return route_path.substr(0, route_path.find('/'));
}

std::string_view ActionType(std::string_view method, const ResourceKind& kind) {
  if (!kind.action.empty()) return kind.action;
  if (method == "DELETE") return "delete";
  if (method == "POST") return "create";
  return "update";
}

}  // namespace cfiam::audit
