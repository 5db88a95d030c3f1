#include "auth/keys.h"

namespace cfiam::auth {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not how the server writes hex
}

bool DecodeHex(std::string_view hex, std::uint8_t* out) {
  for (std::size_t i = 0; i < hex.size() / 2; ++i) {
    const int hi = HexValue(hex[2 * i]);
    const int lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
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
    static constexpr char kHexChars[] = "0123456789abcdef";
    for (std::size_t i = 0; i < id.bytes.size(); ++i) {
      t.chars[2 * i] = kHexChars[id.bytes[i] >> 4];
      t.chars[2 * i + 1] = kHexChars[id.bytes[i] & 15];
    }
    t.size = 32;
  } else {
    std::memcpy(t.chars.data(), id.bytes.data(), id.tag);
    t.size = id.tag;
  }
  return t;
}

}  // namespace cfiam::auth
