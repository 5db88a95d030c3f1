// Lower-case hexadecimal digits: the one table ids, digests, checksums and
// JSON escapes are spelled with.
#pragma once

#include <cstdint>

namespace cfiam {

inline constexpr char kHexDigits[] = "0123456789abcdef";

// The digit of the low four bits of `nibble`.
constexpr char HexDigit(std::uint64_t nibble) { return kHexDigits[nibble & 15]; }

}  // namespace cfiam
