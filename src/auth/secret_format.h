// Cloudflare's scannable credential format (2026+): a kind prefix, 40 random
// alphanumeric characters and an 8-character lowercase-hex checksum, e.g.
// cfat_<40 x [A-Za-z0-9]><8 x [0-9a-f]>. Scanners (GitHub secret scanning,
// TruffleHog) recognise the shape; the checksum lets them drop lookalikes
// without asking the server.
//
// Cloudflare documents the prefixes, the 40-character body and that a
// checksum follows (developers.cloudflare.com/fundamentals/api/get-started/
// token-formats), but not the checksum's algorithm. Scanners match it as 8
// lowercase hex characters; we use CRC-32 (IEEE, as zlib) over prefix + body,
// the scheme GitHub uses for its own scannable tokens (README, "Credentials").
//
// Older secrets (40-character tokens, hex global API keys, any operator-set
// bootstrap token) stay valid: credentials are looked up by digest, never by
// shape. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cfiam::auth {

enum class SecretKind { kAccountToken, kUserToken, kGlobalApiKey };

// "cfat_", "cfut_" or "cfk_".
std::string_view SecretPrefix(SecretKind kind);

// New random secrets of each kind (238 random bits each).
std::string NewAccountTokenSecret();
std::string NewUserTokenSecret();
std::string NewGlobalApiKey();

// The checksum (8 lowercase hex) of prefix + body.
std::string SecretChecksum(std::string_view prefix_and_body);

// The kind of a well-formed scannable secret whose checksum matches, or
// nullopt (wrong prefix, length, alphabet or checksum).
std::optional<SecretKind> ScannableKind(std::string_view secret);

}  // namespace cfiam::auth
