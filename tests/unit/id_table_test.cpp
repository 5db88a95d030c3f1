// IdTable (auth/id_table.h): the flat map under LastUsed. Checked against
// std::unordered_map over a long random run of inserts, erases and walks, so
// erased slots, reuse of them and rebuilds all happen many times.
#include "auth/id_table.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace cfiam::auth {
namespace {

IdKey Key(std::uint32_t n) {
  IdKey k;
  k.tag = IdKey::kHex;
  for (int i = 0; i < 4; ++i) k.bytes[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return k;
}

TEST(IdTable, FindsWhatWasPutAndNothingElse) {
  IdTable<int> t;
  EXPECT_EQ(t.Find(Key(1)), nullptr);  // empty, no slots yet
  auto [v, added] = t.Emplace(Key(1));
  EXPECT_TRUE(added);
  EXPECT_EQ(*v, 0);  // a new entry starts value-initialized
  *v = 7;
  auto [again, added_again] = t.Emplace(Key(1));
  EXPECT_FALSE(added_again);
  EXPECT_EQ(*again, 7);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Find(Key(2)), nullptr);
  // A short verbatim id and a hex id with the same leading bytes differ.
  IdKey verbatim = Key(1);
  verbatim.tag = 4;
  EXPECT_EQ(t.Find(verbatim), nullptr);
}

TEST(IdTable, MatchesAStandardMapThroughErasesAndRebuilds) {
  std::mt19937 rng(42);
  IdTable<std::uint64_t> t;
  std::unordered_map<std::uint32_t, std::uint64_t> model;
  for (int step = 0; step < 200000; ++step) {
    const std::uint32_t k = rng() % 3000;
    switch (rng() % 4) {
      case 0:
      case 1: {
        const std::uint64_t v = rng();
        *t.Emplace(Key(k)).first = v;
        model[k] = v;
        break;
      }
      case 2:
        EXPECT_EQ(t.Erase(Key(k)), model.erase(k) == 1);
        break;
      case 3: {
        const std::uint64_t* v = t.Find(Key(k));
        auto it = model.find(k);
        ASSERT_EQ(v != nullptr, it != model.end()) << k;
        if (v) {
          EXPECT_EQ(*v, it->second);
        }
        break;
      }
    }
    if (step % 20000 == 0) {
      // Erase every entry with an odd value, as a pass drops old entries.
      t.EraseIf([](const IdKey&, std::uint64_t v) { return v % 2 == 1; });
      std::erase_if(model, [](const auto& kv) { return kv.second % 2 == 1; });
    }
    ASSERT_EQ(t.size(), model.size());
  }
  std::size_t seen = 0;
  t.ForEach([&](const IdKey& key, std::uint64_t v) {
    const std::uint32_t k = key.bytes[0] | key.bytes[1] << 8 | key.bytes[2] << 16 |
                            static_cast<std::uint32_t>(key.bytes[3]) << 24;
    ASSERT_TRUE(model.contains(k));
    EXPECT_EQ(model[k], v);
    ++seen;
  });
  EXPECT_EQ(seen, model.size());
}

TEST(IdTable, ResetEmptiesAndSwapExchanges) {
  IdTable<int> a, b;
  for (std::uint32_t i = 0; i < 100; ++i) *a.Emplace(Key(i)).first = static_cast<int>(i);
  b.Reset(1000);
  EXPECT_TRUE(b.empty());
  a.swap(b);
  EXPECT_EQ(a.size(), 0u);
  EXPECT_EQ(b.size(), 100u);
  ASSERT_NE(b.Find(Key(42)), nullptr);
  EXPECT_EQ(*b.Find(Key(42)), 42);
  b.Reset(0);
  EXPECT_EQ(b.Find(Key(42)), nullptr);
  // Filled well past the size it was reset for: it grows.
  for (std::uint32_t i = 0; i < 5000; ++i) b.Emplace(Key(i));
  EXPECT_EQ(b.size(), 5000u);
  for (std::uint32_t i = 0; i < 5000; ++i) ASSERT_NE(b.Find(Key(i)), nullptr) << i;
}

}  // namespace
}  // namespace cfiam::auth
