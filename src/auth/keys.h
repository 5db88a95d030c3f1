// Fixed-size binary keys for the in-memory authorization snapshot
// (auth/directory.h): a secret's SHA-256 digest in 32 bytes instead of 64 hex
// characters, an object id in 17 bytes instead of a 32-character string. Keys
// hash and compare without touching the heap.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace cfiam::auth {

// A SHA-256 digest as bytes.
struct DigestKey {
  std::array<std::uint8_t, 32> bytes{};
  bool operator==(const DigestKey&) const = default;
  // From 64 lowercase hex characters (how the store keeps digests).
  static std::optional<DigestKey> FromHex(std::string_view hex);
};

// An object id. Every id the server makes is 32 lowercase hex characters and
// is kept as its 16 bytes; other short ids (at most 16 bytes, as tests and
// tools use) are kept verbatim with their length in `tag`. Longer non-hex ids
// have no key: lookups of them find nothing.
struct IdKey {
  std::array<std::uint8_t, 16> bytes{};
  std::uint8_t tag = 0;  // kHex, or the verbatim length 1..16
  static constexpr std::uint8_t kHex = 0xff;

  bool operator==(const IdKey&) const = default;
  // Equal to the id written as text (false for text that is no id of ours).
  bool operator==(std::string_view id) const {
    auto k = From(id);
    return k && *k == *this;
  }
  static std::optional<IdKey> From(std::string_view id);
};

// An id rendered back to text, held inline (no allocation).
struct IdText {
  std::array<char, 32> chars{};
  std::uint8_t size = 0;
  std::string_view view() const { return {chars.data(), size}; }
  std::string str() const { return std::string(view()); }
};
IdText ToText(const IdKey& id);

// The key of an account membership: (account id, user id).
struct MemberKey {
  IdKey account;
  IdKey user;
  bool operator==(const MemberKey&) const = default;
};

// Digests are uniformly random bytes; an id's last 10 bytes are random
// (its first 6 are the time it was made: util/random.h). Folding the second
// 8 bytes in, multiplied, and mixing makes the low bits a table uses depend on
// the random ones.
inline std::size_t HashBytes(const std::uint8_t* p, std::size_t n) {
  std::uint64_t h = 0;
  std::memcpy(&h, p, n < 8 ? n : 8);
  if (n > 8) {
    std::uint64_t g = 0;
    std::memcpy(&g, p + 8, n - 8 < 8 ? n - 8 : 8);
    h ^= g * 0x9e3779b97f4a7c15ULL;
  }
  // Mix once more: verbatim short ids are not random.
  h ^= h >> 29;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 32;
  return static_cast<std::size_t>(h);
}

struct KeyHash {
  std::size_t operator()(const DigestKey& k) const { return HashBytes(k.bytes.data(), 16); }
  std::size_t operator()(const IdKey& k) const {
    return HashBytes(k.bytes.data(), 16) ^ k.tag;
  }
  std::size_t operator()(const MemberKey& k) const {
    return (*this)(k.account) * 31 + (*this)(k.user);
  }
};

}  // namespace cfiam::auth
