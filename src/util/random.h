// Cryptographically secure randomness (OpenSSL's DRBG), for ids and secrets.
#pragma once

#include <cstddef>
#include <string>

namespace cfiam {

// `bytes` random bytes as lowercase hex (2*bytes characters). Ids use 16 bytes.
std::string RandomHex(std::size_t bytes);
// A 32-character lowercase-hex object id.
inline std::string NewId() { return RandomHex(16); }
// `bytes` random bytes encoded as unpadded base64url.
std::string RandomBase64Url(std::size_t bytes);

}  // namespace cfiam
