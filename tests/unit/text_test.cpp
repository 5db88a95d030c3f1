#include "util/text.h"

#include <gtest/gtest.h>

#include <cctype>

namespace cfiam {
namespace {

TEST(Text, ObjectIds) {
  EXPECT_TRUE(IsObjectId("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(IsObjectId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsObjectId("0123456789abcdef0123456789abcde"));
  EXPECT_FALSE(IsObjectId("0123456789abcdef0123456789abcdeg"));
}

TEST(Text, Emails) {
  for (const char* ok : {"a@b.co", "first.last+tag@sub.example.com"})
    EXPECT_TRUE(IsEmail(ok)) << ok;
  for (const char* bad :
       {"", "a", "@b.co", "a@", "a@b", "a@@b.co", "a b@c.co", "a@b..co", "a@.b.co", "a@b.co."}) {
    EXPECT_FALSE(IsEmail(bad)) << bad;
  }
}

TEST(Text, EqualsIgnoreCaseFoldsAsciiOnly) {
  EXPECT_TRUE(EqualsIgnoreCase("Bearer ", "bEARER "));
  EXPECT_TRUE(EqualsIgnoreCase("X-Auth-Key", "x-auth-key"));
  EXPECT_TRUE(EqualsIgnoreCase("", ""));
  EXPECT_FALSE(EqualsIgnoreCase("Bearer", "Bearer "));
  EXPECT_FALSE(EqualsIgnoreCase("@", "`"));                // neighbours of 'A' and 'a'
  EXPECT_FALSE(EqualsIgnoreCase("[", "{"));                // neighbours of 'Z' and 'z'
  EXPECT_FALSE(EqualsIgnoreCase("\xc3\x89", "\xc3\xa9"));  // no folding beyond ASCII
  for (int c = 0; c < 256; ++c) {
    for (int d = 0; d < 256; ++d) {
      const char a[] = {static_cast<char>(c)}, b[] = {static_cast<char>(d)};
      EXPECT_EQ(EqualsIgnoreCase({a, 1}, {b, 1}), std::tolower(c) == std::tolower(d))
          << c << " " << d;
    }
  }
}

TEST(Text, TrimLowerAndUint) {
  EXPECT_EQ(Trim("  x y \t"), "x y");
  EXPECT_EQ(ToLower("AbC"), "abc");
  long long n = 0;
  EXPECT_TRUE(ParseUint("8787", n));
  EXPECT_EQ(n, 8787);
  EXPECT_FALSE(ParseUint("-1", n));
  EXPECT_FALSE(ParseUint("", n));
  EXPECT_FALSE(ParseUint("99999999999999", n));
}

}  // namespace
}  // namespace cfiam
