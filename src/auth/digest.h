// Secret handling: secrets are stored and compared only as SHA-256 digests.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "auth/keys.h"

namespace cfiam::auth {

// A lowercase hex SHA-256 held inline, so the per-request credential check
// hashes without touching the heap.
struct HexDigest {
  std::array<char, 64> chars;
  std::string_view view() const { return {chars.data(), chars.size()}; }
};

// SHA-256 of `secret` as bytes (the snapshot's lookup key).
DigestKey Sha256Key(std::string_view secret);
// Lowercase hex SHA-256 of `secret`.
HexDigest Sha256HexDigest(std::string_view secret);
// The same as a string (for storing).
std::string Sha256Hex(std::string_view secret);
// Constant-time equality for equal-length digests (false when lengths differ).
bool DigestEqual(std::string_view a, std::string_view b);
// New secrets are made by auth/secret_format.h (Cloudflare's scannable format).

}  // namespace cfiam::auth
