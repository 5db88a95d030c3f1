// base64url (RFC 4648 §5) without padding, for secrets and opaque cursors.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cfiam {

std::string Base64UrlEncode(std::string_view in);
// Unpadded or '='-padded base64url in canonical form; nullopt otherwise.
std::optional<std::string> Base64UrlDecode(std::string_view in);

}  // namespace cfiam
