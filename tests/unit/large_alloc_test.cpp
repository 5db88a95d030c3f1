// util/large_alloc.h: big arrays in memory marked for huge pages.
#include "util/large_alloc.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cfiam {
namespace {

// The VmFlags of the mapping that holds `p`, from /proc/self/smaps.
std::string VmFlagsOf(const void* p) {
  std::ifstream smaps("/proc/self/smaps");
  const auto at = reinterpret_cast<std::uintptr_t>(p);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= at && at < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(LargeAlloc, MapsZeroedAlignedMemoryMarkedForHugePages) {
  const std::size_t bytes = (std::size_t{3} << 20) + 123;  // two huge pages, rounded up
  auto* p = static_cast<unsigned char*>(MapHuge(bytes));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % (std::size_t{2} << 20), 0u);
  for (std::size_t i = 0; i < bytes; i += 4096) ASSERT_EQ(p[i], 0) << i;
  std::memset(p, 0xab, bytes);  // all of it is writable
  EXPECT_EQ(p[bytes - 1], 0xab);
  const std::string flags = VmFlagsOf(p);
  ASSERT_FALSE(flags.empty());
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;  // MADV_HUGEPAGE
  UnmapHuge(p, bytes);
  EXPECT_EQ(VmFlagsOf(p), "");  // given back whole
}

TEST(LargeAlloc, ContainersGetWorkingMemoryAtEverySize) {
  for (std::size_t n : {std::size_t{1}, std::size_t{1000}, std::size_t{1} << 20}) {
    std::vector<std::uint64_t, LargeAllocator<std::uint64_t>> v(n);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], 0u);
    for (std::size_t i = 0; i < n; ++i) v[i] = i;
    EXPECT_EQ(v[n - 1], n - 1);
  }
  // Small arrays never map their own memory (8 MiB does, unless the build is
  // sanitized: ASan then sees every byte).
  EXPECT_FALSE(MapsLarge(8000));
}

// Start-up defers the huge-page mark (util/large_alloc.h): a mapping made
// while deferring is not marked until PromoteDeferredHugePages, which marks
// it (and asks the kernel to collapse it; whether it may is the kernel's
// business, so the test checks the mark, not the collapse).
TEST(LargeAlloc, DeferredMappingsAreMarkedOnlyWhenPromoted) {
  constexpr std::size_t kBytes = std::size_t{4} << 20;
  DeferHugePages();
  auto* kept = static_cast<unsigned char*>(MapHuge(kBytes));
  auto* gone = static_cast<unsigned char*>(MapHuge(kBytes));
  std::memset(kept, 1, kBytes);
  const std::string before = VmFlagsOf(kept);
  UnmapHuge(gone, kBytes);  // given back while deferred: never touched again
  const std::size_t collapsed = PromoteDeferredHugePages();
  const std::string after = VmFlagsOf(kept);
  bool intact = true;  // a collapse copies the pages: the contents stay
  for (std::size_t i = 0; i < kBytes; i += 512) intact = intact && kept[i] == 1;
  auto* later = MapHuge(kBytes);  // promotion ends the deferral
  const std::string later_flags = VmFlagsOf(later);
  UnmapHuge(later, kBytes);
  UnmapHuge(kept, kBytes);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(before.find(" hg"), std::string::npos) << before;
  EXPECT_NE(after.find(" hg"), std::string::npos) << after;
  EXPECT_NE(later_flags.find(" hg"), std::string::npos) << later_flags;
  EXPECT_LE(collapsed, kBytes);  // only the region still mapped
  EXPECT_EQ(collapsed % (std::size_t{2} << 20), 0u);
  EXPECT_TRUE(intact);
}

TEST(LargeAlloc, APromotionToldToStopMarksWhatIsLeftAndCollapsesNothing) {
  constexpr std::size_t kBytes = std::size_t{4} << 20;
  DeferHugePages();
  auto* p = static_cast<unsigned char*>(MapHuge(kBytes));
  std::memset(p, 1, kBytes);
  const std::atomic<bool> stop{true};
  EXPECT_EQ(PromoteDeferredHugePages(&stop), 0u);
  const std::string flags = VmFlagsOf(p);
  EXPECT_NE(flags.find(" hg"), std::string::npos) << flags;
  auto* later = MapHuge(kBytes);
  EXPECT_NE(VmFlagsOf(later).find(" hg"), std::string::npos);
  UnmapHuge(later, kBytes);
  UnmapHuge(p, kBytes);
}

}  // namespace
}  // namespace cfiam
