#include "util/block_pool.h"

#include "util/large_alloc.h"

namespace cfiam {
namespace {

constexpr std::size_t kChunk = std::size_t{2} << 20;

std::size_t Rounded(std::size_t n) {
  constexpr std::size_t a = alignof(std::max_align_t);
  n = n < sizeof(void*) ? sizeof(void*) : n;
  return (n + a - 1) & ~(a - 1);
}

}  // namespace

bool PoolsAreSanitized() { return !MapsLarge(kChunk); }

BlockPool::BlockPool(std::size_t block_size) : size_(Rounded(block_size)) {}

BlockPool::~BlockPool() {
  for (char* c : chunks_) FreeLarge(c, kChunk);
}

void* BlockPool::Allocate() {
  std::lock_guard lock(mu_);
  if (free_) {
    FreeBlock* b = free_;
    free_ = b->next;
    return b;
  }
  if (next_ == nullptr || static_cast<std::size_t>(end_ - next_) < size_) {
    chunks_.reserve(chunks_.size() + 1);  // before taking the chunk: no leak if this throws
    next_ = static_cast<char*>(AllocateLarge(kChunk));
    chunks_.push_back(next_);
    end_ = next_ + kChunk;
  }
  void* p = next_;
  next_ += size_;
  return p;
}

void BlockPool::Free(void* p) noexcept {
  if (!p) return;
  std::lock_guard lock(mu_);
  auto* b = static_cast<FreeBlock*>(p);
  b->next = free_;
  free_ = b;
}

}  // namespace cfiam
