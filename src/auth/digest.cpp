#include "auth/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/random.h"

namespace cfiam::auth {

std::string Sha256Hex(std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(secret.data(), secret.size(), md, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

bool DigestEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string NewTokenSecret() { return RandomBase64Url(30); }

std::string NewApiKey() { return RandomHex(19).substr(0, 37); }

}  // namespace cfiam::auth
