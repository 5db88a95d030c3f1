#include "auth/secret_format.h"

#include <gtest/gtest.h>

#include <cctype>
#include <set>

namespace cfiam::auth {
namespace {

// prefix, then 40 x [A-Za-z0-9], then 8 x [0-9a-f].
bool HasShape(const std::string& s, const std::string& prefix) {
  if (s.size() != prefix.size() + 48 || s.rfind(prefix, 0) != 0) return false;
  for (std::size_t i = prefix.size(); i < prefix.size() + 40; ++i) {
    if (!std::isalnum(static_cast<unsigned char>(s[i]))) return false;
  }
  for (std::size_t i = prefix.size() + 40; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])) && (s[i] < 'a' || s[i] > 'f')) return false;
  }
  return true;
}

TEST(SecretFormat, Crc32MatchesTheStandardCheckValue) {
  // CRC-32/ISO-HDLC of "123456789" is 0xCBF43926 (zlib's crc32).
  EXPECT_EQ(SecretChecksum("123456789"), "cbf43926");
  EXPECT_EQ(SecretChecksum(""), "00000000");
}

TEST(SecretFormat, EachKindHasItsPrefixBodyAndChecksum) {
  const std::string account = NewAccountTokenSecret();
  const std::string user = NewUserTokenSecret();
  const std::string key = NewGlobalApiKey();
  EXPECT_TRUE(HasShape(account, "cfat_")) << account;
  EXPECT_TRUE(HasShape(user, "cfut_")) << user;
  EXPECT_TRUE(HasShape(key, "cfk_")) << key;
  EXPECT_EQ(ScannableKind(account), SecretKind::kAccountToken);
  EXPECT_EQ(ScannableKind(user), SecretKind::kUserToken);
  EXPECT_EQ(ScannableKind(key), SecretKind::kGlobalApiKey);
  // The checksum is over prefix + body.
  EXPECT_EQ(account.substr(45), SecretChecksum(account.substr(0, 45)));
}

TEST(SecretFormat, SecretsAreRandom) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) seen.insert(NewAccountTokenSecret().substr(5, 40));
  EXPECT_EQ(seen.size(), 200u);
}

TEST(SecretFormat, RejectsBadChecksumsAndShapes) {
  std::string s = NewAccountTokenSecret();
  std::string flipped = s;
  flipped[10] = flipped[10] == 'a' ? 'b' : 'a';  // body changed, checksum not
  EXPECT_FALSE(ScannableKind(flipped));
  std::string bad_sum = s;
  bad_sum.back() = bad_sum.back() == '0' ? '1' : '0';
  EXPECT_FALSE(ScannableKind(bad_sum));
  std::string other_prefix = "cfut_" + s.substr(5);  // checksum covers the prefix
  EXPECT_FALSE(ScannableKind(other_prefix));
  EXPECT_FALSE(ScannableKind(s.substr(0, s.size() - 1)));
  EXPECT_FALSE(ScannableKind(""));
  // A pre-2026 40-character secret is not scannable (and still authenticates by digest).
  EXPECT_FALSE(ScannableKind("0123456789abcdefghij0123456789ABCDEFGHIJ"));
  std::string punct = "cfat_" + std::string(39, 'a') + "-";
  punct += SecretChecksum(punct);
  EXPECT_FALSE(ScannableKind(punct));
}

}  // namespace
}  // namespace cfiam::auth
