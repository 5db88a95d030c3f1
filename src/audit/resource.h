// What a change route acts on, as its route row declares it (api/route.h):
// the audit entry's resource product, type and id come from the row, never
// from the path's spelling.
#pragma once

#include <string_view>

namespace cfiam::audit {

struct ResourceKind {
  std::string_view product;  // "members", "tokens", "user_groups", ...
  std::string_view type;     // "member", "token", "user_group_member", ...
  // The path parameter naming the resource; "" when the route creates it or
  // has no parameter (the entry then takes the result's id).
  std::string_view id_param;
  // The entry's action type when the method does not say it: a POST that
  // acts on an existing resource (begin_verification) is an "update". ""
  // means: from the method.
  std::string_view action = {};
};

// The entry's resource.scope: the top collection of the route's path
// ("accounts", "memberships", "user").
std::string_view ScopeOf(std::string_view route_path);

// create | update | delete: the declared action, else from the method.
std::string_view ActionType(std::string_view method, const ResourceKind& kind);

}  // namespace cfiam::audit
