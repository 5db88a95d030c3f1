// api/page_cache.h: a page is found only at the exact version it was kept at,
// a newer version drops every older page, an older one is never kept, the
// byte budget holds (starting over when full), 0 disables the cache, and
// the hit/miss counters move. A kept page's stored-use read is reused only
// while fresh enough and merges to the later use; its last assembly is
// reused only for the same live values.
#include "api/page_cache.h"

#include <gtest/gtest.h>

#include "obs/metrics.h"

namespace cfiam::api {
namespace {

std::shared_ptr<const CachedPage> Page(const std::string& text) {
  auto page = std::make_shared<CachedPage>();
  page->text() = text;
  return page;
}

// The value of one unlabelled counter in the exposition.
std::uint64_t Counter(const std::string& name) {
  const std::string text = obs::metrics::RenderPrometheus();
  const std::size_t at = text.find("\n" + name + " ");
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + name.size() + 2));
}

TEST(PageCache, FoundOnlyAtItsVersion) {
  PageCache cache(1 << 20);
  cache.Put("a", 5, Page("five"));
  ASSERT_NE(cache.Find("a", 5), nullptr);
  EXPECT_EQ(cache.Find("a", 5)->pieces.front(), "five");
  EXPECT_EQ(cache.Find("a", 4), nullptr);
  EXPECT_EQ(cache.Find("a", 6), nullptr);
  EXPECT_EQ(cache.Find("b", 5), nullptr);
}

TEST(PageCache, NewerVersionDropsEverythingOlderIsIgnored) {
  PageCache cache(1 << 20);
  cache.Put("a", 5, Page("a5"));
  cache.Put("b", 5, Page("b5"));
  EXPECT_EQ(cache.size(), 2u);
  cache.Put("c", 6, Page("c6"));
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.Find("a", 5), nullptr);
  EXPECT_EQ(cache.Find("a", 6), nullptr);
  // A render that read the store before the change finishes late: not kept.
  cache.Put("a", 5, Page("late"));
  EXPECT_EQ(cache.Find("a", 5), nullptr);
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_NE(cache.Find("c", 6), nullptr);
}

TEST(PageCache, TheFirstRenderOfAPageStays) {
  PageCache cache(1 << 20);
  cache.Put("a", 1, Page("first"));
  cache.Put("a", 1, Page("second"));
  EXPECT_EQ(cache.Find("a", 1)->pieces.front(), "first");
}

TEST(PageCache, BoundedByBytes) {
  const std::size_t budget = 64 * 1024;
  PageCache cache(budget);
  const std::string text(4000, 'x');
  for (int i = 0; i < 200; ++i) {
    cache.Put("page " + std::to_string(i), 1, Page(text));
    EXPECT_LE(cache.bytes(), budget);
  }
  EXPECT_GT(cache.size(), 0u);
  EXPECT_LT(cache.size(), 200u);
  // The newest page is always there: a full cache starts over rather than refuse.
  EXPECT_NE(cache.Find("page 199", 1), nullptr);
  // A page larger than the whole budget is not kept, and keeps nothing out.
  cache.Put("huge", 1, Page(std::string(budget, 'y')));
  EXPECT_EQ(cache.Find("huge", 1), nullptr);
  EXPECT_NE(cache.Find("page 199", 1), nullptr);
}

TEST(PageCache, ZeroDisables) {
  PageCache cache(0);
  EXPECT_FALSE(cache.enabled());
  cache.Put("a", 1, Page("a"));
  EXPECT_EQ(cache.Find("a", 1), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PageCache, CountsHitsAndMisses) {
  PageCache cache(1 << 20);
  const std::uint64_t hits = Counter("cfiam_list_cache_hits_total");
  const std::uint64_t misses = Counter("cfiam_list_cache_misses_total");
  cache.Find("a", 1);
  cache.Put("a", 1, Page("a"));
  cache.Find("a", 1);
  cache.Find("a", 1);
  EXPECT_EQ(Counter("cfiam_list_cache_hits_total"), hits + 2);
  EXPECT_EQ(Counter("cfiam_list_cache_misses_total"), misses + 1);
}

// Peek (the I/O thread's look, which may yet hand the request to a worker
// that calls Find) finds what Find finds and counts nothing.
TEST(PageCache, PeekFindsTheSameAndCountsNothing) {
  PageCache cache(1 << 20);
  cache.Put("a", 2, Page("a"));
  const std::uint64_t hits = Counter("cfiam_list_cache_hits_total");
  const std::uint64_t misses = Counter("cfiam_list_cache_misses_total");
  EXPECT_EQ(cache.Peek("a", 2), cache.Find("a", 2));
  EXPECT_EQ(cache.Peek("a", 1), nullptr);
  EXPECT_EQ(cache.Peek("a", 3), nullptr);
  EXPECT_EQ(cache.Peek("b", 2), nullptr);
  EXPECT_EQ(Counter("cfiam_list_cache_hits_total"), hits + 1);  // the Find
  EXPECT_EQ(Counter("cfiam_list_cache_misses_total"), misses);
  EXPECT_EQ(PageCache(0).Peek("a", 2), nullptr);
}

TEST(CachedPage, LiveValuesSplitThePieces) {
  CachedPage page;
  page.text() = "a";
  page.AddLive({LiveValue::Kind::kTokenStatus, "t", "active", std::nullopt});
  page.text() += "b";
  page.AddLive({LiveValue::Kind::kTokenLastUsed, "t", {}, {}});
  ASSERT_EQ(page.pieces.size(), 3u);
  EXPECT_EQ(page.pieces[0], "a");
  EXPECT_EQ(page.pieces[1], "b");
  EXPECT_EQ(page.pieces[2], "");
  EXPECT_GT(page.Bytes(), 2u);
}

TEST(CachedPage, LastUseValuesKeepTheirTokensKey) {
  CachedPage page;
  page.AddLive({LiveValue::Kind::kTokenStatus, "", "active", std::nullopt});
  page.AddLive({LiveValue::Kind::kTokenLastUsed, "0123456789abcdef0123456789abcdef", {}, {}});
  page.AddLive({LiveValue::Kind::kTokenLastUsed, std::string(40, 'z'), {}, {}});
  ASSERT_EQ(page.used_keys.size(), 2u);
  EXPECT_EQ(page.used_keys[0], auth::IdKey::From("0123456789abcdef0123456789abcdef"));
  EXPECT_FALSE(page.used_keys[1]);  // no id of ours: never used
}

using Clock = std::chrono::steady_clock;

TEST(CachedPage, AStoredReadIsReusedOnlyWhileFreshEnough) {
  CachedPage page;
  const Clock::time_point t0 = Clock::now();
  EXPECT_EQ(page.StoredSince(t0 - std::chrono::hours(1)), nullptr);  // none read yet
  page.KeepStored({t0, {std::optional<Micros>(5)}});
  ASSERT_NE(page.StoredSince(t0), nullptr);
  ASSERT_NE(page.StoredSince(t0 - std::chrono::seconds(1)), nullptr);
  EXPECT_EQ(page.StoredSince(t0 + std::chrono::microseconds(1)), nullptr);
}

TEST(CachedPage, StoredReadsMergeToTheLaterUse) {
  CachedPage page;
  const Clock::time_point t0 = Clock::now();
  page.KeepStored({t0, {std::optional<Micros>(10), std::nullopt, std::optional<Micros>(30)}});
  // A read finishing late (begun earlier, by another request): its older
  // values do not move a kept use back, and the kept time stays the newest.
  const auto kept =
      page.KeepStored({t0 - std::chrono::seconds(1),
                       {std::optional<Micros>(20), std::optional<Micros>(7), std::nullopt}});
  EXPECT_EQ(kept->at, t0);
  EXPECT_EQ(kept->values, (StoredLastUsed{std::optional<Micros>(20), std::optional<Micros>(7),
                                          std::optional<Micros>(30)}));
  EXPECT_EQ(page.StoredSince(t0), kept);
}

TEST(CachedPage, TheLastAssemblyIsReusedOnlyForTheSameLiveValues) {
  CachedPage page;
  const std::vector<LiveNow> a{{false, std::optional<Micros>(1)}, {true, std::nullopt}};
  EXPECT_EQ(page.BodyFor(a), nullptr);
  auto body = std::make_shared<const std::string>("body");
  page.KeepBody(a, body);
  EXPECT_EQ(page.BodyFor(a), body);
  EXPECT_EQ(page.BodyFor({{false, std::optional<Micros>(2)}, {true, std::nullopt}}), nullptr);
  EXPECT_EQ(page.BodyFor({{false, std::optional<Micros>(1)}, {false, std::nullopt}}), nullptr);
}

TEST(CachedPage, APageWithLiveValuesCountsItsKeptAssembly) {
  CachedPage plain;
  plain.text() = std::string(1000, 'x');
  CachedPage live;
  live.text() = std::string(1000, 'x');
  live.AddLive({LiveValue::Kind::kTokenLastUsed, "0123456789abcdef0123456789abcdef", {}, {}});
  EXPECT_GE(live.Bytes(), plain.Bytes() + 1000);
}

}  // namespace
}  // namespace cfiam::api
