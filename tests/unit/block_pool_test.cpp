// util/block_pool.h: the pool the snapshot's tokens come from.
#include "util/block_pool.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <set>
#include <thread>
#include <vector>

namespace cfiam {
namespace {

TEST(BlockPool, HandsOutDistinctAlignedBlocksAcrossChunksAndReusesFreedOnes) {
  BlockPool pool(136);  // a LiveToken with its shared_ptr control block
  EXPECT_EQ(pool.block_size() % alignof(std::max_align_t), 0u);
  EXPECT_GE(pool.block_size(), 136u);
  std::vector<void*> blocks;
  std::set<std::uintptr_t> seen;
  // More than one 2 MiB chunk's worth.
  for (int i = 0; i < 40000; ++i) {
    void* p = pool.Allocate();
    ASSERT_EQ(reinterpret_cast<std::uintptr_t>(p) % alignof(std::max_align_t), 0u);
    std::memset(p, i & 0xff, 136);
    ASSERT_TRUE(seen.insert(reinterpret_cast<std::uintptr_t>(p)).second);
    blocks.push_back(p);
  }
  // No block overlaps the next one written after it.
  for (int i = 0; i < 40000; ++i) {
    ASSERT_EQ(static_cast<unsigned char*>(blocks[i])[135], i & 0xff) << i;
  }
  // A freed block serves the next allocation; nothing new is carved.
  pool.Free(blocks[123]);
  EXPECT_EQ(pool.Allocate(), blocks[123]);
  for (void* p : blocks) pool.Free(p);
}

TEST(BlockPool, FreesFromManyThreadsLoseNothing) {
  BlockPool pool(64);
  std::vector<void*> blocks;
  for (int i = 0; i < 8000; ++i) blocks.push_back(pool.Allocate());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 8000; i += 4) pool.Free(blocks[i]);
    });
  }
  for (auto& t : threads) t.join();
  // Every freed block comes back exactly once before any new one is carved.
  std::set<void*> freed(blocks.begin(), blocks.end());
  for (int i = 0; i < 8000; ++i) ASSERT_EQ(freed.erase(pool.Allocate()), 1u) << i;
  EXPECT_TRUE(freed.empty());
}

struct Counted {
  static inline int alive = 0;
  explicit Counted(int v) : value(v) { ++alive; }
  ~Counted() { --alive; }
  int value;
  char pad[100];
};

TEST(BlockPool, SharedObjectsMadeWithThePooledAllocatorLiveAndDie) {
  {
    std::vector<std::shared_ptr<Counted>> v;
    for (int i = 0; i < 1000; ++i) v.push_back(std::allocate_shared<Counted>(PooledAllocator<Counted>{}, i));
    EXPECT_EQ(Counted::alive, 1000);
    EXPECT_EQ(v[999]->value, 999);
    v.erase(v.begin(), v.begin() + 500);
    EXPECT_EQ(Counted::alive, 500);
  }
  EXPECT_EQ(Counted::alive, 0);
}

}  // namespace
}  // namespace cfiam
