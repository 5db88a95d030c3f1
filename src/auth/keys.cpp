#include "auth/keys.h"

#include "util/hex.h"

namespace cfiam::auth {
namespace {

// Table-driven both ways: every request decodes or renders a few ids.
// 0xff marks a character that is not lowercase hex (upper case is not how
// the server writes hex).
constexpr std::array<std::uint8_t, 256> kHexValue = [] {
  std::array<std::uint8_t, 256> t{};
  for (auto& v : t) v = 0xff;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<std::uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<std::uint8_t>(c - 'a' + 10);
  return t;
}();

constexpr std::array<std::array<char, 2>, 256> kHexPair = [] {
  std::array<std::array<char, 2>, 256> t{};
  for (int i = 0; i < 256; ++i) t[i] = {HexDigit(i >> 4), HexDigit(i)};
  return t;
}();

bool DecodeHex(std::string_view hex, std::uint8_t* out) {
  std::uint8_t bad = 0;
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    const std::uint8_t hi = kHexValue[static_cast<unsigned char>(hex[2 * i])];
    const std::uint8_t lo = kHexValue[static_cast<unsigned char>(hex[2 * i + 1])];
    bad |= hi | lo;
    out[i] = static_cast<std::uint8_t>(hi << 4 | (lo & 15));
  }
  return (bad & 0xf0) == 0;
}

}  // namespace

std::optional<DigestKey> DigestKey::FromHex(std::string_view hex) {
  DigestKey k;
  if (hex.size() != 64 || !DecodeHex(hex, k.bytes.data())) return std::nullopt;
  return k;
}

std::optional<IdKey> IdKey::From(std::string_view id) {
  IdKey k;
  if (id.size() == 32 && DecodeHex(id, k.bytes.data())) {
    k.tag = kHex;
    return k;
  }
  if (id.empty() || id.size() > k.bytes.size()) return std::nullopt;
  std::memcpy(k.bytes.data(), id.data(), id.size());
  k.tag = static_cast<std::uint8_t>(id.size());
  return k;
}

IdText ToText(const IdKey& id) {
  IdText t;
  if (id.tag == IdKey::kHex) {
    for (std::size_t i = 0; i < id.bytes.size(); ++i) {
      std::memcpy(&t.chars[2 * i], kHexPair[id.bytes[i]].data(), 2);
    }
    t.size = 32;
  } else {
    std::memcpy(t.chars.data(), id.bytes.data(), id.tag);
    t.size = id.tag;
  }
  return t;
}

}  // namespace cfiam::auth
