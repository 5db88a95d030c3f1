#include <gtest/gtest.h>

#include "audit/cursor.h"
#include "util/random.h"

namespace cfiam::audit {
namespace {

const std::string kAccount = "0123456789abcdef0123456789abcdef";
const std::string kOther = "fedcba9876543210fedcba9876543210";

TEST(AuditCursor, RoundTripsThePositionForItsAccountAndDirection) {
  const CursorCodec codec(RandomHex(32));
  const store::AuditPosition pos{1730246400123456, NewId()};
  for (bool desc : {true, false}) {
    const std::string c = codec.Encode(kAccount, desc, pos);
    EXPECT_EQ(
        c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << c;
    auto back = codec.Decode(c, kAccount, desc);
    ASSERT_TRUE(back);
    EXPECT_EQ(back->time, pos.time);
    EXPECT_EQ(back->id, pos.id);
    // Padding is tolerated (the contract's example cursor ends in '=').
    EXPECT_TRUE(codec.Decode(c + "=", kAccount, desc));
    // Bound to the account and the direction it was issued for.
    EXPECT_FALSE(codec.Decode(c, kOther, desc));
    EXPECT_FALSE(codec.Decode(c, kAccount, !desc));
  }
}

TEST(AuditCursor, AnyChangedCharacterIsRefused) {
  const CursorCodec codec(RandomHex(32));
  const std::string c = codec.Encode(kAccount, true, {42, NewId()});
  for (std::size_t i = 0; i < c.size(); ++i) {
    std::string forged = c;
    forged[i] = forged[i] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(codec.Decode(forged, kAccount, true)) << i;
  }
}

TEST(AuditCursor, ForeignKeysGarbageAndTruncationAreRefused) {
  const CursorCodec codec(RandomHex(32));
  const CursorCodec other(RandomHex(32));
  const std::string c = other.Encode(kAccount, true, {42, NewId()});
  EXPECT_FALSE(codec.Decode(c, kAccount, true));
  for (const std::string& bad :
       {std::string(), std::string("x"), std::string("not a cursor!"), std::string(300, 'A'),
        c.substr(0, c.size() - 4), c.substr(4),
        std::string(
            "ASqdKd7dKgxh-aZ8bm0mZos1BtW4BdEqifCzNkEeGRzi_5SN_-362Y8sF-C1TRn60_6rd3z2dIajf9EA"
            "PyQ_NmIeAMkacmaJPXipqvP7PLU4t72wyqBeJfjmjdE=")}) {
    EXPECT_FALSE(codec.Decode(bad, kAccount, true)) << bad;
  }
}

}  // namespace
}  // namespace cfiam::audit
