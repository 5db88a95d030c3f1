// DNS wire format: query encoding and TXT response decoding, including the
// hostile inputs a network can deliver.
#include <gtest/gtest.h>

#include "dns/message.h"

namespace cfiam::dns {
namespace {

std::string U16(unsigned v) { return {static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; }

std::string Name(std::initializer_list<std::string> labels) {
  std::string out;
  for (const auto& l : labels) out += static_cast<char>(l.size()) + l;
  return out + '\0';
}

// A response header + the question for example.com TXT.
std::string Response(unsigned id, unsigned flags, unsigned ancount) {
  return U16(id) + U16(flags) + U16(1) + U16(ancount) + U16(0) + U16(0) + Name({"example", "com"}) +
         U16(kTypeTxt) + U16(kClassIn);
}

std::string TxtAnswer(std::initializer_list<std::string> strings, unsigned type = kTypeTxt) {
  std::string rdata;
  for (const auto& s : strings) rdata += static_cast<char>(s.size()) + s;
  // Owner: a compression pointer to the question name at offset 12.
  return std::string("\xc0\x0c", 2) + U16(type) + U16(kClassIn) + U16(0) + U16(60) +
         U16(static_cast<unsigned>(rdata.size())) + rdata;
}

TEST(DnsMessage, EncodesATxtQuery) {
  auto q = EncodeQuery(0xbeef, "Example.com.");
  ASSERT_TRUE(q);
  const std::string want = U16(0xbeef) + U16(0x0100) + U16(1) + U16(0) + U16(0) + U16(0) +
                           Name({"Example", "com"}) + U16(16) + U16(1);
  EXPECT_EQ(*q, want);
}

TEST(DnsMessage, RefusesUnencodableNames) {
  EXPECT_FALSE(EncodeQuery(1, ""));
  EXPECT_FALSE(EncodeQuery(1, "a..b"));
  EXPECT_FALSE(EncodeQuery(1, ".a"));
  EXPECT_FALSE(EncodeQuery(1, std::string(64, 'a') + ".com"));
  EXPECT_TRUE(EncodeQuery(1, std::string(63, 'a') + ".com"));
  EXPECT_FALSE(EncodeQuery(1, std::string(250, 'a')));
}

TEST(DnsMessage, DecodesTxtRecordsJoiningTheirStrings) {
  const std::string packet = Response(7, 0x8180, 3) + TxtAnswer({"v=spf1 -all"}) +
                             TxtAnswer({"cloudflare_dashboard_sso=", "123"}) +
                             TxtAnswer({"ignored"}, 1 /* A */);
  auto res = DecodeTxtResponse(packet, "EXAMPLE.com");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->id, 7);
  EXPECT_EQ(res->rcode, 0);
  EXPECT_FALSE(res->truncated);
  ASSERT_EQ(res->records.size(), 2u);
  EXPECT_EQ(res->records[0], "v=spf1 -all");
  EXPECT_EQ(res->records[1], "cloudflare_dashboard_sso=123");
}

TEST(DnsMessage, ReportsRcodeAndTruncation) {
  auto nx = DecodeTxtResponse(Response(1, 0x8183, 0), "example.com");
  ASSERT_TRUE(nx);
  EXPECT_EQ(nx->rcode, static_cast<int>(Rcode::kNxDomain));
  auto tc = DecodeTxtResponse(Response(1, 0x8380, 0), "example.com");
  ASSERT_TRUE(tc);
  EXPECT_TRUE(tc->truncated);
}

TEST(DnsMessage, RejectsQueriesMismatchedQuestionsAndGarbage) {
  EXPECT_FALSE(DecodeTxtResponse(Response(1, 0x0100, 0), "example.com"));  // a query
  EXPECT_FALSE(DecodeTxtResponse(Response(1, 0x8180, 0), "example.org"));
  EXPECT_FALSE(DecodeTxtResponse("", "example.com"));
  EXPECT_FALSE(DecodeTxtResponse(std::string(11, '\0'), "example.com"));
  // Claims an answer that is not there.
  EXPECT_FALSE(DecodeTxtResponse(Response(1, 0x8180, 1), "example.com"));
  // A TXT string longer than its record.
  std::string bad = Response(1, 0x8180, 1) + TxtAnswer({"abc"});
  bad[bad.size() - 4] = 9;
  EXPECT_FALSE(DecodeTxtResponse(bad, "example.com"));
}

TEST(DnsMessage, RejectsCompressionLoops) {
  // Question name is a pointer to itself.
  const std::string packet = U16(1) + U16(0x8180) + U16(1) + U16(0) + U16(0) + U16(0) +
                             std::string("\xc0\x0c", 2) + U16(16) + U16(1);
  EXPECT_FALSE(DecodeTxtResponse(packet, "example.com"));
  // An answer owner pointing forward.
  std::string fwd = Response(1, 0x8180, 1) + TxtAnswer({"x"});
  fwd[29] = static_cast<char>(0xc0);
  fwd[30] = static_cast<char>(0xff);
  EXPECT_FALSE(DecodeTxtResponse(fwd, "example.com"));
}

TEST(DnsMessage, SurvivesEveryTruncationOfAValidPacket) {
  const std::string packet = Response(7, 0x8180, 2) + TxtAnswer({"a", "b"}) + TxtAnswer({"c"});
  ASSERT_TRUE(DecodeTxtResponse(packet, "example.com"));
  for (std::size_t n = 0; n < packet.size(); ++n) {
    EXPECT_FALSE(DecodeTxtResponse(packet.substr(0, n), "example.com")) << n;
  }
}

}  // namespace
}  // namespace cfiam::dns

#include <cstdio>
#include <fstream>

#include "dns/txt_resolver.h"

namespace cfiam::dns {
namespace {

TEST(ResolverAddress, ParsesHostPortForms) {
  auto v4 = ParseResolverAddress("127.0.0.1:5353");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->address().to_string(), "127.0.0.1");
  EXPECT_EQ(v4->port(), 5353);
  auto bare = ParseResolverAddress("10.0.0.2");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port(), 53);
  auto v6 = ParseResolverAddress("[::1]:53");
  ASSERT_TRUE(v6);
  EXPECT_TRUE(v6->address().is_v6());
  EXPECT_TRUE(ParseResolverAddress("[::1]"));
  for (const char* bad : {"", "localhost:53", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:70000",
                          "[::1", "[::1]x", "1.2.3.4:-1"}) {
    EXPECT_FALSE(ParseResolverAddress(bad)) << bad;
  }
}

TEST(ResolverAddress, ReadsTheFirstUsableNameserverOfResolvConf) {
  const std::string path = ::testing::TempDir() + "resolv.conf.test";
  {
    std::ofstream out(path);
    out << "# comment\nsearch example.com\nnameserver bogus\nnameserver fd00::53\n"
           "nameserver 10.0.0.9\n";
  }
  auto ep = SystemResolver(path);
  ASSERT_TRUE(ep);
  EXPECT_EQ(ep->address().to_string(), "fd00::53");
  EXPECT_EQ(ep->port(), 53);
  EXPECT_FALSE(SystemResolver(path + ".missing"));
  std::remove(path.c_str());
}

}  // namespace
}  // namespace cfiam::dns
