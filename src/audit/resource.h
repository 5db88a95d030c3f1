// What a change route acts on, derived from its path template, so every
// route in the table gets a product, type and scope without a second table
// to keep in step.
#pragma once

#include <string>
#include <string_view>

namespace cfiam::audit {

struct ResourceKind {
  std::string product;  // "members", "tokens", "user_groups", ...
  std::string type;     // "member", "token", "user_group_member", ...
  std::string scope;    // "accounts" | "memberships" | "user"
  // The path parameter naming the resource ("" when the route creates it or
  // acts on the account itself).
  std::string id_param;
  // POST routes that act on an existing resource (begin_verification) are
  // updates, not creates.
  bool action = false;
};

ResourceKind ResourceOf(std::string_view route_path);

// create | update | delete, from the method and the route.
std::string_view ActionType(std::string_view method, const ResourceKind& kind);

}  // namespace cfiam::audit
