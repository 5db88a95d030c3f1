#include "api/page_cache.h"

#include <algorithm>

#include "obs/metrics.h"

namespace cfiam::api {

void CachedPage::AddLive(LiveValue v) {
  if (v.kind == LiveValue::Kind::kTokenLastUsed) used_keys.push_back(auth::IdKey::From(v.token_id));
  live.push_back(std::move(v));
  // A piece between two live values of a token page is a few hundred bytes:
  // grown from empty it would be reallocated five or six times.
  pieces.emplace_back().reserve(kPieceReserve);
}

std::size_t CachedPage::Bytes() const {
  std::size_t n = sizeof(CachedPage);
  std::size_t text = 0;
  for (const std::string& p : pieces) {
    n += sizeof(std::string) + p.capacity();
    text += p.size();
  }
  for (const LiveValue& v : live) {
    n += sizeof(LiveValue) + v.token_id.capacity() + v.status.capacity();
  }
  n += used_keys.size() * (sizeof(std::optional<auth::IdKey>) + sizeof(std::optional<Micros>));
  // A page with live values also keeps its last assembly (KeepBody): the
  // text once more, with a few dozen bytes per live value.
  if (!live.empty()) n += text + live.size() * (48 + sizeof(LiveNow));
  return n;
}

std::shared_ptr<const StoredRead> CachedPage::StoredSince(
    std::chrono::steady_clock::time_point since) const {
  std::lock_guard lock(mu_);
  if (stored_ && stored_->at >= since) return stored_;
  return nullptr;
}

std::shared_ptr<const StoredRead> CachedPage::KeepStored(StoredRead read) const {
  std::lock_guard lock(mu_);
  if (stored_ && stored_->values.size() == read.values.size()) {
    for (std::size_t i = 0; i < read.values.size(); ++i) {
      const std::optional<Micros>& kept = stored_->values[i];
      if (kept && (!read.values[i] || *read.values[i] < *kept)) read.values[i] = kept;
    }
    read.at = std::max(read.at, stored_->at);
  }
  stored_ = std::make_shared<const StoredRead>(std::move(read));
  return stored_;
}

std::shared_ptr<const std::string> CachedPage::BodyFor(const std::vector<LiveNow>& live_now) const {
  std::lock_guard lock(mu_);
  if (assembly_ && assembly_->live == live_now) return assembly_->body;
  return nullptr;
}

void CachedPage::KeepBody(std::vector<LiveNow> live_now,
                          std::shared_ptr<const std::string> body) const {
  auto kept = std::make_shared<const Assembly>(Assembly{std::move(live_now), std::move(body)});
  std::lock_guard lock(mu_);
  assembly_ = std::move(kept);
}

std::shared_ptr<const CachedPage> PageCache::Find(const std::string& key, std::int64_t version) {
  if (!enabled()) return nullptr;
  std::shared_ptr<const CachedPage> found = Peek(key, version);
  obs::metrics::CountListCache(found != nullptr);
  return found;
}

std::shared_ptr<const CachedPage> PageCache::Peek(const std::string& key,
                                                  std::int64_t version) const {
  if (!enabled()) return nullptr;
  std::lock_guard lock(mu_);
  if (version != version_) return nullptr;
  auto it = pages_.find(key);
  return it == pages_.end() ? nullptr : it->second;
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
