// DNS wire format (RFC 1035), only what a TXT lookup needs: encode one query,
// decode a response's TXT answers. Pure functions over bytes, no I/O, so they
// are unit-tested directly and safe against any input a network can send.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cfiam::dns {

inline constexpr std::uint16_t kTypeTxt = 16;
inline constexpr std::uint16_t kClassIn = 1;

enum class Rcode : std::uint8_t { kNoError = 0, kFormErr = 1, kServFail = 2, kNxDomain = 3 };

// A query for `name`'s records of `type` with recursion desired. Returns
// nullopt when `name` cannot be encoded (empty label, label over 63 bytes,
// name over 255 bytes).
std::optional<std::string> EncodeQuery(std::uint16_t id, std::string_view name,
                                       std::uint16_t type = kTypeTxt);

struct TxtResponse {
  std::uint16_t id = 0;
  std::uint8_t rcode = 0;
  bool truncated = false;
  // One string per TXT record: its character-strings concatenated (RFC 7208
  // §3.3), which is how verification codes split over 255 bytes are compared.
  std::vector<std::string> records;
};

// Decodes a response to the TXT query for `name` (compared case-insensitively
// with the question). Returns nullopt for anything malformed or not an answer
// to that question: a query, a bad pointer, a truncated record, a mismatched
// question. Answer records of other names or types are skipped.
std::optional<TxtResponse> DecodeTxtResponse(std::string_view packet, std::string_view name);

}  // namespace cfiam::dns
