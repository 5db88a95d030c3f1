#include "util/text.h"

#include <gtest/gtest.h>

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
