// Cryptographically secure randomness (OpenSSL's DRBG), for ids and secrets.
#pragma once

#include <cstddef>
#include <string>

namespace cfiam {

// `bytes` random bytes as lowercase hex (2*bytes characters). Ids use 16 bytes.
std::string RandomHex(std::size_t bytes);
// A 32-character lowercase-hex object id: the time it was made (48 bits of
// Unix milliseconds, 12 hex digits) then 80 random bits, as UUIDv7 lays it
// out. Why not all random: every table and index keyed on an id (a member's,
// a user's, an audit entry's) then takes new rows at its end, on a page the
// batch already holds, instead of on a random page each. A member create
// wrote ~120 KiB of pages with random ids and ~40 KiB with these (bench
// figures in bench/README.md). Ids are names, never credentials: nothing is
// authorized by knowing one, and the time in it is what the object's
// created_on already shows to whoever may read it. 80 random bits keep ids
// made in the same millisecond apart (and every id column is unique).
std::string NewId();
// `bytes` random bytes encoded as unpadded base64url.
std::string RandomBase64Url(std::size_t bytes);

}  // namespace cfiam
