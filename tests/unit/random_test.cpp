// Ids and secrets come from OpenSSL's DRBG through a per-thread block
// (util/random.cpp): every byte handed out once, whatever the request sizes.
#include "util/random.h"

#include <gtest/gtest.h>

#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cfiam {
namespace {

bool IsLowerHex(const std::string& s) {
  return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

TEST(Random, IdsAreDistinctLowerHexAcrossManyBlocks) {
  std::set<std::string> seen;
  // 16 bytes each: 5,000 ids span ~160 blocks of 512 bytes.
  for (int i = 0; i < 5000; ++i) {
    const std::string id = NewId();
    ASSERT_EQ(id.size(), 32u);
    ASSERT_TRUE(IsLowerHex(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "repeated id " << id;
  }
}

// Ids lead with the millisecond they were made (util/random.h), so ids made
// later sort after: new rows go to the end of every index keyed on them.
TEST(Random, IdsLeadWithTheirMillisecondAndSortInTheOrderMade) {
  const auto now_ms = [] {
    return static_cast<unsigned long long>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  };
  const unsigned long long before = now_ms();
  const std::string first = NewId();
  const unsigned long long after = now_ms();
  const unsigned long long stamped = std::stoull(first.substr(0, 12), nullptr, 16);
  EXPECT_GE(stamped, before);
  EXPECT_LE(stamped, after);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string later = NewId();
  EXPECT_LT(first, later);
  // The rest is random: ids of one millisecond differ in it.
  std::set<std::string> tails;
  for (int i = 0; i < 1000; ++i) tails.insert(NewId().substr(12));
  EXPECT_EQ(tails.size(), 1000u);
}

TEST(Random, MixedSizesNeverRepeatBytesEvenAcrossABlockEnd) {
  // Sizes that do not divide the block: a request that does not fit in what
  // is left must come from fresh bytes, never from a reused tail.
  std::set<std::string> seen;
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = 5 + static_cast<std::size_t>(i % 23);
    const std::string hex = RandomHex(n);
    ASSERT_EQ(hex.size(), 2 * n);
    ASSERT_TRUE(seen.insert(hex).second) << "repeated value " << hex;
  }
  // Large requests bypass the block.
  EXPECT_EQ(RandomHex(4096).size(), 8192u);
  EXPECT_NE(RandomHex(1024), RandomHex(1024));
  EXPECT_EQ(RandomBase64Url(32).size(), 43u);  // unpadded base64url of 32 bytes
}

TEST(Random, ThreadsDrawIndependentValues) {
  std::vector<std::vector<std::string>> per(4);
  std::vector<std::thread> threads;
  for (auto& out : per) {
    threads.emplace_back([&out] {
      for (int i = 0; i < 1000; ++i) out.push_back(NewId());
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> all;
  for (const auto& out : per) all.insert(out.begin(), out.end());
  EXPECT_EQ(all.size(), 4000u);
}

}  // namespace
}  // namespace cfiam
