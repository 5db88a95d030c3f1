#include "api/input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/envelope.h"
#include "api/pagination.h"
#include "util/api_error.h"

namespace cfiam::api {
namespace {

namespace json = boost::json;

template <class F>
ApiError Catch(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError thrown";
  return ApiError(0, 0, "");
}

TEST(ObjectReader, ReadsTypedFields) {
  json::value v = json::parse(R"({"s":"héllo","b":true,"o":{"x":"y"},"a":[1],"n":null})");
  ObjectReader r(&v);
  EXPECT_EQ(r.String("s", 5), "héllo");  // five code points, six bytes
  EXPECT_EQ(r.Bool("b"), true);
  EXPECT_EQ(r.Object("o")->String("x"), "y");
  EXPECT_EQ(r.Array("a")->size(), 1u);
  EXPECT_FALSE(r.Has("n"));
  EXPECT_FALSE(r.String("missing").has_value());
}

TEST(ObjectReader, NamesTheFieldOnErrors) {
  json::value v = json::parse(R"({"s":1,"o":{"b":"no"},"e":"z","long":"abcdef"})");
  ObjectReader r(&v);
  auto e1 = Catch([&] { r.String("s"); });
  EXPECT_EQ(e1.http_status(), 400u);
  EXPECT_EQ(e1.errors()[0].pointer, "/s");
  auto e2 = Catch([&] { r.Object("o")->Bool("b"); });
  EXPECT_EQ(e2.errors()[0].pointer, "/o/b");
  EXPECT_NE(e2.errors()[0].message.find("o.b"), std::string::npos);
  auto e3 = Catch([&] { r.Enum("e", {"x", "y"}); });
  EXPECT_NE(e3.errors()[0].message.find("x, y"), std::string::npos);
  auto e4 = Catch([&] { r.String("long", 5); });
  EXPECT_EQ(e4.errors()[0].pointer, "/long");
  auto e5 = Catch([&] { r.RequiredString("absent"); });
  EXPECT_EQ(e5.errors()[0].pointer, "/absent");
}

TEST(ObjectReader, RefusesNonObjectsAndMissingBodies) {
  json::value arr = json::parse("[1]");
  EXPECT_EQ(Catch([&] { ObjectReader r(&arr); }).http_status(), 400u);
  EXPECT_EQ(Catch([&] { ObjectReader r(nullptr); }).http_status(), 400u);
}

TEST(Pagination, DefaultsClampsAndRejects) {
  PageBounds b{20, 5, 50};
  auto p = ParsePaging(QueryParams{}, b);
  EXPECT_EQ(p.page, 1);
  EXPECT_EQ(p.per_page, 20);
  p = ParsePaging(QueryParams({{"page", "0"}, {"per_page", "1000"}}), b);
  EXPECT_EQ(p.page, 1);
  EXPECT_EQ(p.per_page, 50);
  p = ParsePaging(QueryParams({{"page", "3.0"}, {"per_page", "2"}}), b);
  EXPECT_EQ(p.page, 3);
  EXPECT_EQ(p.per_page, 5);
  EXPECT_EQ(p.offset(), 10);
  for (const char* bad : {"x", "", "1x", "nan", "inf", " 1"}) {
    EXPECT_EQ(Catch([&] {
                ParsePaging(QueryParams({{std::string("page"), std::string(bad)}}), b);
              }).http_status(),
              400u)
        << bad;
  }
}

TEST(Pagination, ResultInfo) {
  auto info = PageInfo({2, 5}, 5, 12);
  EXPECT_EQ(json::serialize(info),
            R"({"page":2,"per_page":5,"count":5,"total_count":12,"total_pages":3})");
  EXPECT_EQ(PageInfo({1, 5}, 0, 0).at("total_pages").as_int64(), 0);
}

TEST(Envelope, SuccessAndError) {
  Reply reply{json::object{{"id", "x"}}, json::object{{"count", 1}}, {}};
  EXPECT_EQ(
      SuccessBody(std::move(reply)),
      R"({"success":true,"errors":[],"messages":[],"result":{"id":"x"},"result_info":{"count":1}})");
  ApiError e(400, {{6003, "Invalid request headers", {}, {{6111, "bad", {}, {}}}}});
  EXPECT_EQ(ErrorBody(e),
            R"({"success":false,"errors":[{"code":6003,"message":"Invalid request headers",)"
            R"("error_chain":[{"code":6111,"message":"bad"}]}],"messages":[],"result":null})");
  EXPECT_EQ(
      ErrorBody(ApiError::Invalid("a.b", "bad")),
      R"({"success":false,"errors":[{"code":1002,"message":"a.b: bad","source":{"pointer":"/a/b"}}],"messages":[],"result":null})");
}

TEST(Envelope, SuccessBodyIsTheSerializedEnvelopeObject) {
  // Large enough to need several serializer reads, with escapes and numbers.
  json::array items;
  for (int i = 0; i < 300; ++i) {
    items.push_back(json::object{{"id", i},
                                 {"name", "quote \" tab \t \u00e9 " + std::to_string(i)},
                                 {"ratio", i / 7.0},
                                 {"none", nullptr}});
  }
  const std::vector<Reply> replies = {
      {json::value(nullptr), std::nullopt, {}},
      {json::object{{"id", "x"}, {"status", "active"}}, std::nullopt,
       json::array{json::object{{"code", 10000}, {"message", "valid"}}}},
      {items, json::object{{"page", 1}, {"count", 300}}, {}},
      {json::array{}, json::object{}, json::array{"m"}},
  };
  for (Reply reply : replies) {
    json::object env{{"success", true},
                     {"errors", json::array{}},
                     {"messages", reply.messages},
                     {"result", reply.result}};
    if (reply.result_info) env["result_info"] = *reply.result_info;
    EXPECT_EQ(SuccessBody(std::move(reply)), json::serialize(env));
  }
}

}  // namespace
}  // namespace cfiam::api
