#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <mutex>
#include <string>

#include "obs/log.h"
#include "obs/metrics.h"

namespace cfiam::obs::log {
namespace {

namespace json = boost::json;

std::string Line(Format format, std::string_view msg, std::initializer_list<Field> fields,
                 std::size_t cap = 1024) {
  std::string out(cap, '\0');
  out.resize(FormatLine(out.data(), cap, format, 1764601445123456, Level::kInfo, msg, fields));
  return out;
}

TEST(LogFormat, JsonLineParsesWithEscapes) {
  const std::string line = Line(Format::kJson, "store error \"x\"\n",
                                {{"ray", "abc"}, {"status", 503}, {"error", "a\\b\x01"}});
  ASSERT_EQ(line.back(), '\n');
  ASSERT_EQ(line.find('\n'), line.size() - 1) << "one line";
  const json::object o = json::parse(line).as_object();
  EXPECT_EQ(o.at("time").as_string(), "2025-12-01T15:04:05.123Z");
  EXPECT_EQ(o.at("level").as_string(), "info");
  EXPECT_EQ(o.at("msg").as_string(), "store error \"x\"\n");
  EXPECT_EQ(o.at("status").as_int64(), 503);
  EXPECT_EQ(o.at("error").as_string(), "a\\b\x01");
}

TEST(LogFormat, LongValuesAreCutButTheLineStaysValid) {
  const std::string big(5000, 'x');
  const std::string line = Line(Format::kJson, "m", {{"a", big}, {"b", "after"}}, 256);
  EXPECT_LE(line.size(), 256u);
  const json::object o = json::parse(line).as_object();
  EXPECT_LT(o.at("a").as_string().size(), 256u);
  const std::string text = Line(Format::kText, "m", {{"a", std::string(500, 'y') + " z"}}, 128);
  EXPECT_LE(text.size(), 128u);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text[text.size() - 2], '"');
}

TEST(LogFormat, EmptyViewsWithoutData) {
  const std::string_view none;  // data() is nullptr
  const json::object o = json::parse(Line(Format::kJson, none, {{"a", none}})).as_object();
  EXPECT_EQ(o.at("msg").as_string(), "");
  EXPECT_EQ(o.at("a").as_string(), "");
}

// --node-id: on every line, and kept when a long value is cut.
TEST(LogFormat, TheNodeIsOnEveryLineEvenWhenValuesAreCut) {
  const auto line = [](Format format, std::initializer_list<Field> fields, std::size_t cap) {
    std::string out(cap, '\0');
    out.resize(FormatLine(out.data(), cap, format, 1764601445123456, Level::kWarn, "m", fields,
                          "web-1.example:4242"));
    return out;
  };
  EXPECT_EQ(line(Format::kText, {{"a", "b"}}, 1024),
            "2025-12-01T15:04:05.123Z warn m a=b node=web-1.example:4242\n");
  const std::string cut = line(Format::kText, {{"a", std::string(5000, 'y')}}, 256);
  EXPECT_LE(cut.size(), 256u);
  EXPECT_TRUE(cut.ends_with(" node=web-1.example:4242\n")) << cut;
  const json::object o =
      json::parse(line(Format::kJson, {{"a", std::string(5000, 'y')}}, 256)).as_object();
  EXPECT_EQ(o.at("node").as_string(), "web-1.example:4242");
  EXPECT_EQ(o.at("msg").as_string(), "m");
  // Without a node (unit tests, before start-up) the line is as it was.
  EXPECT_EQ(Line(Format::kText, "m", {{"a", "b"}}), "2025-12-01T15:04:05.123Z info m a=b\n");
}

TEST(LogFormat, TextQuotesOnlyWhatNeedsIt) {
  EXPECT_EQ(Line(Format::kText, "request",
                 {{"route", "/accounts/{account_id}"},
                  {"status", 200},
                  {"actor_id", ""},
                  {"err", "a b\"c\nd"}}),
            "2025-12-01T15:04:05.123Z info request route=/accounts/{account_id} status=200 "
            "actor_id=\"\" err=\"a b\\\"c\\nd\"\n");
}

TEST(LogLevels, ParseAndFilter) {
  EXPECT_EQ(ParseLevel("warn"), Level::kWarn);
  EXPECT_EQ(ParseLevel("loud"), std::nullopt);
  EXPECT_EQ(ParseFormat("json"), Format::kJson);
  EXPECT_EQ(ParseFormat("xml"), std::nullopt);
  std::string got;
  std::mutex mu;
  {
    Logger logger(Format::kText, Level::kWarn, [&](std::string_view s) {
      std::lock_guard lock(mu);
      got += s;
    });
    logger.Write(Level::kInfo, "hidden", {});
    logger.Write(Level::kError, "shown", {});
    logger.Flush();
  }
  EXPECT_EQ(got.find("hidden"), std::string::npos);
  EXPECT_NE(got.find("error shown"), std::string::npos);
}

std::uint64_t DroppedMetric() {
  const std::string text = metrics::RenderPrometheus();
  const std::string name = "\ncfiam_log_lines_dropped_total ";
  const auto at = text.find(name);
  if (at == std::string::npos) return ~0ull;
  return std::stoull(text.substr(at + name.size()));
}

// A sink that blocks (a stderr nobody reads): writers must neither block nor
// grow memory; what does not fit in the queue is dropped and counted.
TEST(Logger, BlockedSinkDropsAndCountsInsteadOfBlocking) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  std::size_t lines = 0;
  const std::uint64_t dropped_before = DroppedMetric();
  {
    Logger logger(
        Format::kJson, Level::kInfo,
        [&](std::string_view s) {
          std::unique_lock lock(mu);
          entered = true;
          cv.notify_all();
          cv.wait(lock, [&] { return release; });
          for (char c : s) lines += c == '\n';
        },
        8);
    logger.Write(Level::kInfo, "first", {});
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return entered; });  // the logger thread is stuck in the sink
    }
    for (int i = 0; i < 8 + 5; ++i) logger.Write(Level::kInfo, "queued", {{"i", i}});
    EXPECT_EQ(logger.dropped(), 5u);
    EXPECT_EQ(DroppedMetric(), dropped_before + 5);
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    logger.Flush();
  }
  EXPECT_EQ(lines, 1u + 8u);
}

}  // namespace
}  // namespace cfiam::obs::log
