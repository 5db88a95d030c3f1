// Secret handling: secrets are stored and compared only as SHA-256 digests.
#pragma once

#include <string>
#include <string_view>

namespace cfiam::auth {

// Lowercase hex SHA-256 of `secret`.
std::string Sha256Hex(std::string_view secret);
// Constant-time equality for equal-length digests (false when lengths differ).
bool DigestEqual(std::string_view a, std::string_view b);
// A new random API token secret: 40 characters of base64url (240 bits).
std::string NewTokenSecret();
// A new random global API key: 37 lowercase hex characters, Cloudflare's shape.
std::string NewApiKey();

}  // namespace cfiam::auth
