#include "util/large_alloc.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace cfiam {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#else
constexpr bool kSanitized = false;
#endif

std::size_t RoundUp(std::size_t n) { return (n + kHugePage - 1) & ~(kHugePage - 1); }

}  // namespace

bool MapsLarge(std::size_t bytes) { return !kSanitized && bytes >= kHugePage; }

void* AllocateLarge(std::size_t bytes) {
  return MapsLarge(bytes) ? MapHuge(bytes) : ::operator new(bytes);
}

void FreeLarge(void* p, std::size_t bytes) noexcept {
  if (!p) return;
  if (MapsLarge(bytes)) {
    UnmapHuge(p, bytes);
  } else {
    ::operator delete(p);
  }
}

void* MapHuge(std::size_t bytes) {
  // A huge page must be aligned to its size: map one page more than needed
  // and give back what lies before and after the aligned run.
  const std::size_t len = RoundUp(bytes);
  void* raw = mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto at = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t start = (at + kHugePage - 1) & ~std::uintptr_t{kHugePage - 1};
  const std::size_t head = start - at;
  if (head > 0) munmap(raw, head);
  if (kHugePage - head > 0) munmap(reinterpret_cast<void*>(start + len), kHugePage - head);
  // A refusal (THP off, an old kernel) leaves ordinary pages: nothing to do.
  madvise(reinterpret_cast<void*>(start), len, MADV_HUGEPAGE);
  return reinterpret_cast<void*>(start);
}

void UnmapHuge(void* p, std::size_t bytes) noexcept { munmap(p, RoundUp(bytes)); }

}  // namespace cfiam
