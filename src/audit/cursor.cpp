#include "audit/cursor.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <stdexcept>

#include "util/base64url.h"
#include "util/random.h"

namespace cfiam::audit {
namespace {

constexpr char kVersion = 1;
constexpr std::size_t kMacSize = 32;
constexpr std::size_t kHeaderSize = 10;  // version, direction, time
constexpr std::size_t kMaxIdSize = 64;   // ids are 32 characters
constexpr std::size_t kMaxCursorSize = 256;
constexpr std::string_view kKeySetting = "audit_cursor_key";

}  // namespace

std::string CursorCodec::Mac(std::string_view payload, std::string_view account_id) const {
  std::string message(payload);
  message.append(account_id);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!HMAC(EVP_sha256(), key_.data(), static_cast<int>(key_.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), md, &len) ||
      len != kMacSize) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string CursorCodec::Encode(std::string_view account_id, bool descending,
                                const store::AuditPosition& position) const {
  std::string payload;
  payload.push_back(kVersion);
  payload.push_back(descending ? 'd' : 'a');
  const auto t = static_cast<std::uint64_t>(position.time);
  for (int shift = 56; shift >= 0; shift -= 8) {
    payload.push_back(static_cast<char>((t >> shift) & 0xff));
  }
  payload += position.id;
  return Base64UrlEncode(payload + Mac(payload, account_id));
}

std::optional<store::AuditPosition> CursorCodec::Decode(std::string_view cursor,
                                                        std::string_view account_id,
                                                        bool descending) const {
  if (cursor.size() > kMaxCursorSize) return std::nullopt;
  auto raw = Base64UrlDecode(cursor);
  if (!raw || raw->size() < kHeaderSize + kMacSize + 1 ||
      raw->size() > kHeaderSize + kMaxIdSize + kMacSize) {
    return std::nullopt;
  }
  const std::string_view payload = std::string_view(*raw).substr(0, raw->size() - kMacSize);
  const std::string_view mac = std::string_view(*raw).substr(payload.size());
  const std::string want = Mac(payload, account_id);
  if (CRYPTO_memcmp(want.data(), mac.data(), kMacSize) != 0) return std::nullopt;
  // Authentic from here on: the fields are what this server wrote.
  if (payload[0] != kVersion || payload[1] != (descending ? 'd' : 'a')) return std::nullopt;
  std::uint64_t t = 0;
  for (std::size_t i = 2; i < kHeaderSize; ++i)
    t = (t << 8) | static_cast<unsigned char>(payload[i]);
  return store::AuditPosition{static_cast<Micros>(t), std::string(payload.substr(kHeaderSize))};
}

std::string LoadOrCreateCursorKey(store::Store& store) {
  {
    auto tx = store.Read();
    if (auto key = store.GetSetting(*tx, kKeySetting)) return *key;
  }
  auto tx = store.Write();
  store.InsertSettingIfAbsent(*tx, kKeySetting, RandomHex(32));
  auto key = store.GetSetting(*tx, kKeySetting);
  tx->Commit();
  return *key;
}

}  // namespace cfiam::audit
