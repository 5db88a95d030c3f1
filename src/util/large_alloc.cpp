#include "util/large_alloc.h"

#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <new>

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25  // Linux 6.1; older kernels refuse it (EINVAL): nothing lost
#endif

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

// The mappings made while huge pages are deferred (start -> length), not yet
// marked. Guarded by DeferredMutex(), which UnmapHuge also takes, so a
// region is never marked after it was given back (and possibly reused).
std::mutex& DeferredMutex() {
  static std::mutex mu;
  return mu;
}
bool deferring = false;  // guarded by DeferredMutex()
struct Deferral {
  std::size_t len = 0;
  std::size_t done = 0;  // bytes from the start already promoted
};
std::map<std::uintptr_t, Deferral>& Deferred() {  // guarded by DeferredMutex()
  static std::map<std::uintptr_t, Deferral> regions;
  return regions;
}

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
  void* raw =
      mmap(nullptr, len + kHugePage, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto at = reinterpret_cast<std::uintptr_t>(raw);
  const std::uintptr_t start = (at + kHugePage - 1) & ~std::uintptr_t{kHugePage - 1};
  const std::size_t head = start - at;
  if (head > 0) munmap(raw, head);
  if (kHugePage - head > 0) munmap(reinterpret_cast<void*>(start + len), kHugePage - head);
  std::lock_guard lock(DeferredMutex());
  if (deferring) {
    Deferred().emplace(start, Deferral{len, 0});
  } else {
    // A refusal (THP off, an old kernel) leaves ordinary pages: nothing to do.
    madvise(reinterpret_cast<void*>(start), len, MADV_HUGEPAGE);
  }
  return reinterpret_cast<void*>(start);
}

void UnmapHuge(void* p, std::size_t bytes) noexcept {
  std::lock_guard lock(DeferredMutex());
  Deferred().erase(reinterpret_cast<std::uintptr_t>(p));
  munmap(p, RoundUp(bytes));
}

void DeferHugePages() {
  std::lock_guard lock(DeferredMutex());
  deferring = true;
}

std::size_t PromoteDeferredHugePages(const std::atomic<bool>* stop) {
  std::size_t collapsed = 0;
  for (;;) {
    // One 2 MiB step per turn of the lock: an UnmapHuge meanwhile waits for
    // at most one collapse, never for the whole pass. No region is added once
    // deferring ends, so the first one left is the one in progress.
    std::lock_guard lock(DeferredMutex());
    deferring = false;
    auto& regions = Deferred();
    if (regions.empty()) break;
    if (stop && stop->load(std::memory_order_relaxed)) {
      // Shutting down: mark what is left (cheap) and collapse no more.
      for (const auto& [start, d] : regions) {
        madvise(reinterpret_cast<void*>(start), d.len, MADV_HUGEPAGE);
      }
      regions.clear();
      break;
    }
    auto it = regions.begin();
    const std::uintptr_t start = it->first;
    Deferral& d = it->second;
    if (d.done == 0) madvise(reinterpret_cast<void*>(start), d.len, MADV_HUGEPAGE);
    if (madvise(reinterpret_cast<void*>(start + d.done), kHugePage, MADV_COLLAPSE) == 0) {
      collapsed += kHugePage;
    }
    d.done += kHugePage;
    if (d.done >= d.len) regions.erase(it);
  }
  return collapsed;
}

}  // namespace cfiam
