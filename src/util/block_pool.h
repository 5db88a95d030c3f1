// BlockPool: fixed-size blocks carved from huge-page chunks
// (util/large_alloc.h), for the one small object the authorization snapshot
// holds per token (auth/directory.cpp makes each LiveToken with
// PooledAllocator).
//
// Why: a verify at a million tokens reads one random token among ~140 MiB of
// them. From malloc they lie in 4 KiB pages, so that read is also a TLB miss;
// from 2 MiB chunks the whole set is ~70 pages, which the TLB holds. A block
// freed (a token deleted or replaced) serves the next one; chunks are never
// given back, like malloc's heap.
//
// Sanitizer builds use operator new for every block, so ASan still sees each
// object's bounds and lifetime.
//
// Thread-safety: Allocate and Free may be called from any thread (the last
// reference to a token may drop on a request thread).
#pragma once

#include <cstddef>
#include <mutex>
#include <new>
#include <vector>

namespace cfiam {

class BlockPool {
 public:
  explicit BlockPool(std::size_t block_size);
  // Gives the chunks back: every block must be free by then.
  ~BlockPool();
  BlockPool(const BlockPool&) = delete;
  BlockPool& operator=(const BlockPool&) = delete;

  void* Allocate();
  void Free(void* p) noexcept;
  std::size_t block_size() const { return size_; }

 private:
  struct FreeBlock {
    FreeBlock* next;
  };
  const std::size_t size_;
  std::mutex mu_;
  FreeBlock* free_ = nullptr;  // guarded by mu_
  char* next_ = nullptr;       // the unused rest of the newest chunk; guarded by mu_
  char* end_ = nullptr;
  std::vector<char*> chunks_;  // guarded by mu_
};

// The pool of blocks of T's size and alignment. Never destroyed: tokens may
// be released during static destruction.
template <class T>
BlockPool& PoolFor() {
  static_assert(alignof(T) <= alignof(std::max_align_t));
  static BlockPool* const pool = new BlockPool(sizeof(T));
  return *pool;
}

bool PoolsAreSanitized();

// For std::allocate_shared: one object per allocation comes from its pool.
template <class T>
struct PooledAllocator {
  using value_type = T;
  PooledAllocator() = default;
  template <class U>
  PooledAllocator(const PooledAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n != 1 || PoolsAreSanitized()) return static_cast<T*>(::operator new(n * sizeof(T)));
    return static_cast<T*>(PoolFor<T>().Allocate());
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n != 1 || PoolsAreSanitized()) {
      ::operator delete(p);
    } else {
      PoolFor<T>().Free(p);
    }
  }
  template <class U>
  bool operator==(const PooledAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace cfiam
