// Permission keys: the strings routes require and grants carry.
//
// Routes use the spec's `x-cfPermissionsRequired` keys (`#organization:read`,
// `com.cloudflare.api.account.token.list`, ...). A token permission group
// expands to the keys of the operations whose `x-api-token-group` lists it;
// a group for a product cfiam does not serve expands to a key of its own
// ("group:<id>") that no route asks for, so it is valid but grants nothing here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "auth/catalog.h"

namespace cfiam::auth {

std::vector<std::string> KeysForTokenGroup(const TokenPermissionGroup& group);

// True when a granted key covers the required one: equal, or a granted
// "prefix.*" covering "prefix.<anything>".
bool KeyCovers(std::string_view granted, std::string_view required);

}  // namespace cfiam::auth
