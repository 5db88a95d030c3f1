// Small string predicates shared by validators and the router.
#pragma once

#include <string>
#include <string_view>

namespace cfiam {

// 32 lowercase hex characters: the shape of every object id.
bool IsObjectId(std::string_view s);
std::string ToLower(std::string_view s);
// ASCII case-insensitive equality, without allocating.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string_view Trim(std::string_view s);
// A pragmatic email check: one '@', non-empty local part, a dotted domain, no spaces.
bool IsEmail(std::string_view s);
// The form every e-mail address is stored and compared in: trimmed and
// lower-cased (users are found by it, so every reader must agree).
std::string NormalizeEmail(std::string_view s);
// Strict base-10 non-negative integer parse ("12"); rejects signs, spaces, overflow.
bool ParseUint(std::string_view s, long long& out);

}  // namespace cfiam
