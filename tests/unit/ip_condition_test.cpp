#include "auth/ip_condition.h"

#include <gtest/gtest.h>

namespace cfiam::auth {
namespace {

IpCondition Make(std::vector<const char*> in, std::vector<const char*> not_in) {
  std::vector<Cidr> a, b;
  for (const char* s : in) a.push_back(*Cidr::Parse(s));
  for (const char* s : not_in) b.push_back(*Cidr::Parse(s));
  return IpCondition(std::move(a), std::move(b));
}

TEST(Cidr, ParsesValidForms) {
  for (const char* ok : {"10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32", "::1",
                         "2001:db8::/32", "::/0", "::ffff:10.0.0.0/104", "2001:db8::1/128"}) {
    EXPECT_TRUE(Cidr::Parse(ok).has_value()) << ok;
  }
}

TEST(Cidr, RejectsMalformed) {
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/",
                          "/8", "2001:db8::/129", "not-an-ip", "10.0.0.0/8x", "::ffff:10.0.0.0/64",
                          "10.0.0.1 ", "fe80::1%eth0"}) {
    EXPECT_FALSE(Cidr::Parse(bad).has_value()) << bad;
  }
}

// Prefixes that do not fit an int used to wrap: /4294967304 read as /8 and
// ::ffff:0.0.0.0/4294967392 (2^32 + 96) as /0.
TEST(Cidr, RejectsPrefixesThatWouldWrap) {
  for (const char* bad : {"10.0.0.0/4294967304", "::ffff:0.0.0.0/4294967392", "10.0.0.0/129",
                          "::/4294967424", "::1/999999999999"}) {
    EXPECT_FALSE(Cidr::Parse(bad).has_value()) << bad;
  }
}

TEST(IpCondition, EmptyAllowsEverything) {
  IpCondition none;
  EXPECT_TRUE(none.Allows("203.0.113.5"));
  EXPECT_TRUE(none.Allows("garbage"));
}

TEST(IpCondition, InAndNotIn) {
  auto c = Make({"10.0.0.0/8", "2001:db8::/32"}, {"10.1.0.0/16"});
  EXPECT_TRUE(c.Allows("10.0.0.1"));
  EXPECT_TRUE(c.Allows("10.255.255.255"));
  EXPECT_FALSE(c.Allows("10.1.2.3"));  // not_in wins
  EXPECT_FALSE(c.Allows("11.0.0.1"));
  EXPECT_TRUE(c.Allows("2001:db8:1::5"));
  EXPECT_FALSE(c.Allows("2001:db9::5"));
  EXPECT_FALSE(c.Allows("not-an-ip"));
}

TEST(IpCondition, PrefixEdges) {
  auto c = Make({"192.168.1.128/25"}, {});
  EXPECT_FALSE(c.Allows("192.168.1.127"));
  EXPECT_TRUE(c.Allows("192.168.1.128"));
  EXPECT_TRUE(c.Allows("192.168.1.255"));
  auto odd = Make({"10.0.0.0/9"}, {});
  EXPECT_TRUE(odd.Allows("10.127.255.255"));
  EXPECT_FALSE(odd.Allows("10.128.0.0"));
}

TEST(IpCondition, MappedAddressesCountAsIpv4) {
  auto c = Make({"127.0.0.0/8"}, {});
  EXPECT_TRUE(c.Allows("::ffff:127.0.0.1"));
  EXPECT_FALSE(c.Allows("::1"));  // real IPv6 loopback is not 127/8
  auto mapped_rule = Make({"::ffff:10.0.0.0/104"}, {});
  EXPECT_TRUE(mapped_rule.Allows("10.9.8.7"));
  EXPECT_FALSE(mapped_rule.Allows("11.9.8.7"));
  auto not_in = Make({}, {"127.0.0.1"});
  EXPECT_FALSE(not_in.Allows("::ffff:127.0.0.1"));
  EXPECT_TRUE(not_in.Allows("127.0.0.2"));
}

TEST(IpCondition, FamiliesDoNotCross) {
  auto v4all = Make({"0.0.0.0/0"}, {});
  EXPECT_TRUE(v4all.Allows("1.2.3.4"));
  EXPECT_FALSE(v4all.Allows("2001:db8::1"));
  auto v6all = Make({"::/0"}, {});
  EXPECT_TRUE(v6all.Allows("2001:db8::1"));
  EXPECT_FALSE(v6all.Allows("1.2.3.4"));
}

}  // namespace
}  // namespace cfiam::auth
