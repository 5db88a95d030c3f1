#include "auth/secret_format.h"

#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "util/hex.h"

namespace cfiam::auth {
namespace {

constexpr std::size_t kBodyLength = 40;
constexpr std::size_t kChecksumLength = 8;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool IsAlnum(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

std::uint32_t Crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char byte : data) {
    crc ^= byte;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

// 40 characters from the 62-letter alphabet, uniformly: bytes >= 248 are
// rejected so that `byte % 62` has no bias.
std::string RandomBody() {
  std::string body;
  body.reserve(kBodyLength);
  std::array<unsigned char, 64> buf;
  while (body.size() < kBodyLength) {
    if (RAND_bytes(buf.data(), static_cast<int>(buf.size())) != 1) {
      throw std::runtime_error("RAND_bytes failed");
    }
    for (unsigned char b : buf) {
      if (b >= 248 || body.size() == kBodyLength) continue;
      body.push_back(kAlphabet[b % kAlphabet.size()]);
    }
  }
  return body;
}

std::string NewSecret(SecretKind kind) {
  std::string s(SecretPrefix(kind));
  s += RandomBody();
  s += SecretChecksum(s);
  return s;
}

}  // namespace

std::string_view SecretPrefix(SecretKind kind) {
  switch (kind) {
    case SecretKind::kAccountToken:
      return "cfat_";
    case SecretKind::kUserToken:
      return "cfut_";
    case SecretKind::kGlobalApiKey:
      return "cfk_";
  }
  return "";
}

std::string NewAccountTokenSecret() { return NewSecret(SecretKind::kAccountToken); }
std::string NewUserTokenSecret() { return NewSecret(SecretKind::kUserToken); }
std::string NewGlobalApiKey() { return NewSecret(SecretKind::kGlobalApiKey); }

std::string SecretChecksum(std::string_view prefix_and_body) {
  std::uint32_t crc = Crc32(prefix_and_body);
  std::string out(kChecksumLength, '0');
  for (std::size_t i = kChecksumLength; i-- > 0; crc >>= 4) out[i] = HexDigit(crc);
  return out;
}

std::optional<SecretKind> ScannableKind(std::string_view secret) {
  for (SecretKind kind :
       {SecretKind::kAccountToken, SecretKind::kUserToken, SecretKind::kGlobalApiKey}) {
    const std::string_view prefix = SecretPrefix(kind);
    if (secret.size() != prefix.size() + kBodyLength + kChecksumLength ||
        secret.substr(0, prefix.size()) != prefix) {
      continue;
    }
    const std::string_view body = secret.substr(prefix.size(), kBodyLength);
    for (char c : body) {
      if (!IsAlnum(c)) return std::nullopt;
    }
    const std::string_view checksum = secret.substr(prefix.size() + kBodyLength);
    if (checksum != SecretChecksum(secret.substr(0, prefix.size() + kBodyLength))) {
      return std::nullopt;
    }
    return kind;
  }
  return std::nullopt;
}

}  // namespace cfiam::auth
