#include "domain/email_domain.h"

#include <gtest/gtest.h>

namespace cfiam {
namespace {

TEST(EmailDomain, NormalizesCaseSpaceAndTrailingDot) {
  EXPECT_EQ(NormalizeEmailDomain(" Example.COM. "), "example.com");
  EXPECT_EQ(NormalizeEmailDomain("a-b.c0.example.co.uk"), "a-b.c0.example.co.uk");
  EXPECT_EQ(NormalizeEmailDomain("xn--bcher-kva.example"), "xn--bcher-kva.example");
}

TEST(EmailDomain, RejectsInvalidNames) {
  for (const char* bad : {"", ".", "com", "example", "-a.com", "a-.com", "a..com", ".a.com",
                          "a_b.com", "exa mple.com", "bücher.de", "user@example.com", "10.0.0.1",
                          "ab--cd.com", "xn--.com", "example.123"}) {
    EXPECT_FALSE(NormalizeEmailDomain(bad)) << bad;
  }
  EXPECT_FALSE(NormalizeEmailDomain(std::string(64, 'a') + ".com"));
  EXPECT_TRUE(NormalizeEmailDomain(std::string(63, 'a') + ".com"));
  std::string long_name;
  for (int i = 0; i < 50; ++i) long_name += "abcd.";
  long_name += "com";  // 253 characters
  EXPECT_TRUE(NormalizeEmailDomain(long_name));
  EXPECT_FALSE(NormalizeEmailDomain("a" + long_name));
}

TEST(EmailDomain, KnowsPublicMailboxesAndTheConfiguredList) {
  EXPECT_TRUE(IsPublicMailboxDomain("gmail.com", {}));
  EXPECT_TRUE(IsPublicMailboxDomain("proton.me", {}));
  EXPECT_FALSE(IsPublicMailboxDomain("example.com", {}));
  EXPECT_TRUE(IsPublicMailboxDomain("example.com", {"example.com"}));
}

}  // namespace
}  // namespace cfiam
