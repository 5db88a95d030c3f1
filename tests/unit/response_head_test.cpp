// ResponseHead must write exactly the bytes Beast's serializer wrote for the
// same response (the server used a Beast message before): status line, field
// order and spelling, Connection and Content-Length, HEAD.
#include "http/response_head.h"

#include <gtest/gtest.h>

#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>
#include <sstream>
#include <string>

namespace cfiam::http {
namespace {

// The server's former Write(), serialized by Beast.
std::string BeastBytes(Response res, unsigned version, bool keep_alive, bool head,
                       const std::string& ray) {
  bhttp::response<bhttp::string_body> msg(static_cast<bhttp::status>(res.status), version);
  msg.set(bhttp::field::content_type, "application/json");
  msg.set(bhttp::field::server, "cfiam");
  msg.insert("cf-ray", ray);
  for (auto& [name, value] : res.headers) {
    if (boost::beast::iequals(name, "Content-Type")) {
      msg.set(bhttp::field::content_type, value);
    } else {
      msg.insert(name, value);
    }
  }
  msg.body() = std::move(res.body);
  msg.keep_alive(keep_alive);
  msg.prepare_payload();
  if (head) {
    const auto length = msg.body().size();
    msg.body().clear();
    msg.content_length(length);
  }
  std::ostringstream os;
  os << msg;
  return os.str();
}

std::string OurBytes(const Response& res, unsigned version, bool keep_alive, bool head,
                     const std::string& ray) {
  return ResponseHead(res, version, keep_alive, res.body.size(), ray) + (head ? "" : res.body);
}

void ExpectSame(const Response& res) {
  const std::string ray = "0123456789abcdef-CFI";
  for (unsigned version : {10u, 11u}) {
    for (bool keep_alive : {false, true}) {
      for (bool head : {false, true}) {
        SCOPED_TRACE(testing::Message() << "version " << version << " keep_alive " << keep_alive
                                        << " head " << head << " status " << res.status);
        EXPECT_EQ(OurBytes(res, version, keep_alive, head, ray),
                  BeastBytes(res, version, keep_alive, head, ray));
      }
    }
  }
}

TEST(ResponseHead, PlainJsonResponsesMatchBeast) {
  ExpectSame({200, R"({"success":true})", {}});
  ExpectSame({404, R"({"success":false})", {}});
  ExpectSame({500, "", {}});
  ExpectSame({201, std::string(70000, 'x'), {}});
}

TEST(ResponseHead, HandlerHeadersKeepTheirOrderAndSpelling) {
  ExpectSame({200, "{}", {{"cf-iam-seq", "42"}, {"Ratelimit", "limit=1200, remaining=1199"}}});
  ExpectSame({405, "{}", {{"Allow", "GET, POST"}}});
  ExpectSame({503, "{}", {{"Retry-After", "1"}}});
  ExpectSame({429, "{}", {{"retry-after", "7"}, {"X-Other", ""}}});
}

TEST(ResponseHead, AHandlersContentTypeReplacesTheDefaultInPlace) {
  ExpectSame({200, "# metrics\n", {{"Content-Type", "text/plain; version=0.0.4"}}});
  ExpectSame({200, "x", {{"cf-iam-seq", "1"}, {"content-type", "text/plain"}, {"Allow", "GET"}}});
  ExpectSame({200, "x", {{"Content-Type", "a/b"}, {"X", "y"}, {"CONTENT-TYPE", "c/d"}}});
}

}  // namespace
}  // namespace cfiam::http
