#include "util/random.h"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "util/base64url.h"
#include "util/hex.h"

namespace cfiam {
namespace {

void Fill(unsigned char* out, std::size_t n) {
  // A failing DRBG must never degrade into predictable secrets.
  if (RAND_bytes(out, static_cast<int>(n)) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
}

// Each RAND_bytes call costs about 6,600 instructions whatever its size
// (locking and the DRBG's per-call checks), three times a member create's SQL
// binding. So each thread draws a block at once and hands out its bytes, each
// exactly once; large requests bypass the block.
std::vector<unsigned char> Bytes(std::size_t n) {
  constexpr std::size_t kBlock = 512;
  thread_local unsigned char block[kBlock];
  thread_local std::size_t used = kBlock;
  std::vector<unsigned char> buf(n);
  if (n > kBlock / 4) {
    Fill(buf.data(), n);
    return buf;
  }
  if (kBlock - used < n) {
    Fill(block, kBlock);
    used = 0;
  }
  std::copy_n(block + used, n, buf.data());
  // Handed-out bytes are wiped, so the block never holds a secret already given.
  std::fill_n(block + used, n, 0);
  used += n;
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

std::string NewId() {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  std::string id(32, '0');
  auto t = static_cast<std::uint64_t>(ms) & 0xffffffffffffULL;  // 48 bits: until the year 10889
  for (int i = 11; i >= 0; --i, t >>= 4) id[static_cast<std::size_t>(i)] = HexDigit(t & 15);
  const std::string tail = RandomHex(10);
  std::copy(tail.begin(), tail.end(), id.begin() + 12);
  return id;
}

}  // namespace cfiam
