#include "api/page_cache.h"

#include "obs/metrics.h"

namespace cfiam::api {

void CachedPage::AddLive(LiveValue v) {
  live.push_back(std::move(v));
  // A piece between two live values of a token page is a few hundred bytes:
  // grown from empty it would be reallocated five or six times.
  pieces.emplace_back().reserve(kPieceReserve);
}

std::size_t CachedPage::Bytes() const {
  std::size_t n = sizeof(CachedPage);
  for (const std::string& p : pieces) n += sizeof(std::string) + p.capacity();
  for (const LiveValue& v : live) {
    n += sizeof(LiveValue) + v.token_id.capacity() + v.status.capacity();
  }
  return n;
}

std::shared_ptr<const CachedPage> PageCache::Find(const std::string& key, std::int64_t version) {
  if (!enabled()) return nullptr;
  std::shared_ptr<const CachedPage> found;
  {
    std::lock_guard lock(mu_);
    if (version == version_) {
      if (auto it = pages_.find(key); it != pages_.end()) found = it->second;
    }
  }
  obs::metrics::CountListCache(found != nullptr);
  return found;
}

void PageCache::Put(const std::string& key, std::int64_t version,
                    std::shared_ptr<const CachedPage> page) {
  if (!enabled() || !page) return;
  // The key is held twice (map key, and the node's string) plus the entry.
  const std::size_t cost = page->Bytes() + 2 * key.size() + 64;
  if (cost > max_bytes_) return;
  std::lock_guard lock(mu_);
  if (version < version_) return;
  if (version > version_ || bytes_ + cost > max_bytes_) {
    pages_.clear();
    bytes_ = 0;
    version_ = version;
  }
  auto [it, inserted] = pages_.try_emplace(key, std::move(page));
  if (inserted) bytes_ += cost;  // a concurrent render of the same page keeps the first
}

std::size_t PageCache::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t PageCache::size() const {
  std::lock_guard lock(mu_);
  return pages_.size();
}

}  // namespace cfiam::api
