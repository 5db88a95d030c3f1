// The helpers that replaced code twins: one error envelope, one hex table,
// one e-mail normalisation, one rounding to cents.
#include <gtest/gtest.h>

#include "util/cents.h"
#include "util/error_envelope.h"
#include "util/hex.h"
#include "util/text.h"

namespace cfiam {
namespace {

TEST(ErrorEnvelope, TheServersRefusalsKeepTheirBytes) {
  // What http::ErrorEnvelope wrote before the API layer's builder took over.
  EXPECT_EQ(
      ErrorBody(413, "Request body is larger than 1 MiB"),
      R"({"success":false,"errors":[{"code":413,"message":"Request body is larger than 1 MiB"}],)"
      R"("messages":[],"result":null})");
  EXPECT_EQ(
      ErrorBody(ApiError::Invalid("a.b", "bad")),
      R"({"success":false,"errors":[{"code":1002,"message":"a.b: bad","source":{"pointer":"/a/b"}}],)"
      R"("messages":[],"result":null})");
}

TEST(Hex, DigitsAreLowerCase) {
  std::string s;
  for (unsigned n = 0; n < 16; ++n) s += HexDigit(n);
  EXPECT_EQ(s, "0123456789abcdef");
  EXPECT_EQ(HexDigit(0xABCDu), 'd');  // only the low four bits count
}

TEST(Email, NormalizedTrimmedAndLowerCased) {
  EXPECT_EQ(NormalizeEmail("  Ops@Example.COM \t"), "ops@example.com");
  EXPECT_EQ(NormalizeEmail("a@b.c"), "a@b.c");
}

TEST(Cents, RoundHalfAwayFromZero) {
  EXPECT_EQ(ToCents(19.99), 1999);  // 1998.9999... before rounding
  EXPECT_EQ(ToCents(0.125), 13);
  EXPECT_EQ(ToCents(-0.125), -13);
  EXPECT_DOUBLE_EQ(RoundToCents(20.0 * 12 / 52), 4.62);
  EXPECT_DOUBLE_EQ(RoundToCents(0.125), 0.13);
}

}  // namespace
}  // namespace cfiam
