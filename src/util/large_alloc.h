// Memory for the big flat arrays of the authorization state (the snapshot's
// hash tables, auth/live_map.h; the last-use tables, auth/id_table.h), asked
// of the kernel in transparent huge pages.
//
// Why: at a million tokens a verify reads a random slot of a 32 MiB table,
// then the token it points to. With 4 KiB pages nearly every such read also
// misses the TLB, and on a virtual machine a TLB miss is a two-level page
// walk. Debian's kernel backs memory with 2 MiB pages only where the process
// asks (madvise(MADV_HUGEPAGE), the "madvise" mode), and malloc never asks.
//
// Arrays under 2 MiB, sanitizer builds (so that ASan still sees every byte)
// and kernels that refuse get ordinary memory.
#pragma once

#include <atomic>
#include <cstddef>

namespace cfiam {

// At least `bytes`, aligned for any type; release with FreeLarge(p, bytes).
void* AllocateLarge(std::size_t bytes);
void FreeLarge(void* p, std::size_t bytes) noexcept;
// Whether AllocateLarge(bytes) maps its own memory (for tests).
bool MapsLarge(std::size_t bytes);
// What AllocateLarge does for a large array in a build without sanitizers:
// zeroed memory aligned to 2 MiB and marked for huge pages (for tests, which
// run sanitized). Release with UnmapHuge(p, bytes).
void* MapHuge(std::size_t bytes);
void UnmapHuge(void* p, std::size_t bytes) noexcept;

// Start-up loads the whole authorization state at once. Faulting that memory
// in as huge pages costs the kernel 0.3-0.5 s more at a million tokens (each
// 2 MiB page comes zeroed, and on a virtual machine mostly from memory the
// host has to back first) than ordinary pages, all of it before the server
// can answer. So the loader calls DeferHugePages() first: large mappings
// made from then on are not marked. PromoteDeferredHugePages(), run on a
// background thread once the server answers, marks each one still mapped and
// has the kernel collapse it into huge pages now (MADV_COLLAPSE) rather than
// when khugepaged gets round to it (minutes at its default pace); mappings
// made after it starts are marked as they are made again. Returns the bytes
// collapsed (0 where the kernel refuses: THP off, a kernel before 6.1).
// Once `stop` is set it marks what is left and returns, collapsing no more
// (a shutdown does not wait for the pass).
void DeferHugePages();
std::size_t PromoteDeferredHugePages(const std::atomic<bool>* stop = nullptr);

// For containers: std::vector<T, LargeAllocator<T>>.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(AllocateLarge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { FreeLarge(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace cfiam
