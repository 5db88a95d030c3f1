#include "auth/digest.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

#include "util/hex.h"

namespace cfiam::auth {
namespace {

// EVP_sha256() makes OpenSSL 3 look the implementation up in its provider
// store on every EVP_Digest (locks, a property query), and EVP_Digest
// allocates a fresh context each time: together several times the cost of
// hashing a 40-byte secret. Every authenticated request hashes its
// credential, so fetch the implementation once per process and keep one
// context per thread, re-initialised for each digest.
const EVP_MD* Sha256Md() {
  static EVP_MD* const md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (!m) throw std::runtime_error("OpenSSL has no SHA256 implementation");
    return m;
  }();
  return md;
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

EVP_MD_CTX* ThreadCtx() {
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx.get();
}

}  // namespace

DigestKey Sha256Key(std::string_view secret) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = ThreadCtx();
  if (EVP_DigestInit_ex2(ctx, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx, secret.data(), secret.size()) != 1 ||
      EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32) {
    throw std::runtime_error("SHA-256 failed");
  }
  DigestKey out;
  std::copy(md, md + 32, out.bytes.begin());
  return out;
}

HexDigest Sha256HexDigest(std::string_view secret) {
  const DigestKey md = Sha256Key(secret);
  HexDigest out;
  for (unsigned i = 0; i < 32; ++i) {
    out.chars[2 * i] = HexDigit(md.bytes[i] >> 4);
    out.chars[2 * i + 1] = HexDigit(md.bytes[i]);
  }
  return out;
}

std::string Sha256Hex(std::string_view secret) {
  return std::string(Sha256HexDigest(secret).view());
}

bool DigestEqual(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace cfiam::auth
