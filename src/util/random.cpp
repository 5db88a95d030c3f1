#include "util/random.h"

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "util/base64url.h"
#include "util/hex.h"

namespace cfiam {
namespace {

std::vector<unsigned char> Bytes(std::size_t n) {
  std::vector<unsigned char> buf(n);
  // A failing DRBG must never degrade into predictable secrets.
  if (RAND_bytes(buf.data(), static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  return buf;
}

}  // namespace

std::string RandomHex(std::size_t bytes) {
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char b : Bytes(bytes)) {
    out.push_back(HexDigit(b >> 4));
    out.push_back(HexDigit(b));
  }
  return out;
}

std::string RandomBase64Url(std::size_t bytes) {
  const auto buf = Bytes(bytes);
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(buf.data()), buf.size()));
}

}  // namespace cfiam
