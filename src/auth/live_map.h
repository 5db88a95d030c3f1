// LiveMap: a hash map from a fixed-size key to an immutable entry that readers
// use without waiting for the writer, built for the authorization snapshot
// (auth/directory.h).
//
// Why this shape: a credential check must never queue behind a change (the
// old Directory's shared_mutex made every reader wait while EraseAccount
// walked the whole server), and a change must cost what it touches, not the
// size of the map (a copy-on-write of a whole map or shard would make a
// create O(N) at a million tokens). So each slot of an open-addressing table
// is an std::atomic<std::shared_ptr<const Entry>>: a writer publishes a new
// entry by storing one slot (per-entry copy-on-write), a reader loads slots
// and gets a reference that stays valid after later changes. libstdc++ guards
// each such slot with a spin bit held for a pointer copy only, never for a
// writer's work. The table itself is swapped RCU-style when it grows: the
// writer copies the live entries into a larger table and publishes it;
// readers still holding the old table see the state before the swap.
//
// Deleted slots become tombstones so probe chains stay intact; the table is
// rebuilt when live entries plus tombstones pass 3/4 of its slots.
//
// Thread-safety: Find() may run concurrently with anything. Writers (Put,
// Take, Reset) must be serialized by the caller.
#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <vector>

#include "auth/keys.h"
#include "util/large_alloc.h"

namespace cfiam::auth {

// `KeyOf{}(entry)` gives an entry's key, so one entry can sit in several maps
// under different keys (a token by digest and by id) as one allocation.
template <class Key, class T, class KeyOf>
class LiveMap {
 public:
  using Ptr = std::shared_ptr<const T>;

  LiveMap() : table_(std::make_shared<Table>(16)) {}
  LiveMap(const LiveMap&) = delete;
  LiveMap& operator=(const LiveMap&) = delete;

  // The entry under `key`, or null. Never blocks on a writer.
  Ptr Find(const Key& key) const {
    const std::shared_ptr<Table> t = table_.load(std::memory_order_acquire);
    for (std::size_t i = KeyHash{}(key) & t->mask, n = 0; n <= t->mask; i = (i + 1) & t->mask, ++n) {
      Ptr p = t->slots[i].load(std::memory_order_acquire);
      if (!p) return nullptr;
      if (p.get() != Tombstone().get() && KeyOf{}(*p) == key) return p;
    }
    return nullptr;
  }

  // Inserts or replaces the entry with `entry`'s key.
  void Put(Ptr entry) {
    Table* t = Current();
    if ((t->used + 1) * 4 > (t->mask + 1) * 3) t = Rebuild(t->live + 1);
    std::size_t free = kNone;
    for (std::size_t i = KeyHash{}(KeyOf{}(*entry)) & t->mask;; i = (i + 1) & t->mask) {
      Ptr p = t->slots[i].load(std::memory_order_relaxed);
      if (!p) {
        if (free == kNone) {
          free = i;
          ++t->used;
        }
        break;
      }
      if (p.get() == Tombstone().get()) {
        if (free == kNone) free = i;
      } else if (KeyOf{}(*p) == KeyOf{}(*entry)) {
        t->slots[i].store(std::move(entry), std::memory_order_release);
        return;
      }
    }
    t->slots[free].store(std::move(entry), std::memory_order_release);
    ++t->live;
  }

  // Removes the entry under `key` and returns it (null when absent).
  Ptr Take(const Key& key) {
    Table* t = Current();
    for (std::size_t i = KeyHash{}(key) & t->mask;; i = (i + 1) & t->mask) {
      Ptr p = t->slots[i].load(std::memory_order_relaxed);
      if (!p) return nullptr;
      if (p.get() != Tombstone().get() && KeyOf{}(*p) == key) {
        t->slots[i].store(Tombstone(), std::memory_order_release);
        --t->live;
        return p;
      }
    }
  }

  // Replaces everything with `entries` (unique keys) in one swap.
  void Reset(const std::vector<Ptr>& entries) {
    auto t = std::make_shared<Table>(CapacityFor(entries.size()));
    for (const Ptr& e : entries) Insert(*t, e);
    table_.store(std::move(t), std::memory_order_release);
  }

  // Visits every entry (writer side: nothing may change meanwhile).
  template <class F>
  void ForEach(F&& f) const {
    Table* t = Current();
    for (std::size_t i = 0; i <= t->mask; ++i) {
      Ptr p = t->slots[i].load(std::memory_order_relaxed);
      if (p && p.get() != Tombstone().get()) f(*p);
    }
  }

  std::size_t size() const { return Current()->live; }

 private:
  static constexpr std::size_t kNone = ~std::size_t{0};

  struct Table {
    explicit Table(std::size_t capacity)
        : slots(capacity), mask(capacity - 1) {}
    // In huge pages when large (util/large_alloc.h): a lookup at a million
    // tokens reads one random slot of 32 MiB.
    std::vector<std::atomic<Ptr>, LargeAllocator<std::atomic<Ptr>>> slots;
    std::size_t mask;
    std::size_t used = 0;  // live + tombstones (writer only)
    std::size_t live = 0;
  };

  static const Ptr& Tombstone() {
    static const Ptr kTombstone = std::make_shared<const T>();
    return kTombstone;
  }

  // At most half full after a rebuild, so a run of inserts fits before the next.
  static std::size_t CapacityFor(std::size_t n) {
    return std::bit_ceil(std::max<std::size_t>(16, n * 2));
  }

  // The writer's view of the current table; only writers swap it.
  Table* Current() const { return table_.load(std::memory_order_acquire).get(); }

  static void Insert(Table& t, const Ptr& e) {
    std::size_t i = KeyHash{}(KeyOf{}(*e)) & t.mask;
    while (t.slots[i].load(std::memory_order_relaxed)) i = (i + 1) & t.mask;
    t.slots[i].store(e, std::memory_order_relaxed);
    ++t.used;
    ++t.live;
  }

  Table* Rebuild(std::size_t live) {
    Table* old = Current();
    auto t = std::make_shared<Table>(CapacityFor(live));
    for (std::size_t i = 0; i <= old->mask; ++i) {
      Ptr p = old->slots[i].load(std::memory_order_relaxed);
      if (p && p.get() != Tombstone().get()) Insert(*t, p);
    }
    Table* raw = t.get();
    table_.store(std::move(t), std::memory_order_release);
    return raw;
  }

  std::atomic<std::shared_ptr<Table>> table_;
};

}  // namespace cfiam::auth
