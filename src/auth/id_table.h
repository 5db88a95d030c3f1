// IdTable: an open-addressing hash map from an IdKey to a small value, for the
// maps a request touches at every use of a token (auth/last_used.h).
//
// Why not std::unordered_map: there a lookup reads a bucket, then follows a
// pointer to a node, and with 100,000 tokens in use both are cache misses on
// every request (perf at a million tokens put most of LastUsed::Touch on
// those two loads); an insert also allocates a node. Here the key and its
// value share one slot (linear probing, at most half full), so a lookup is
// one miss, an insert allocates nothing, and a walk over every entry reads
// memory front to back.
//
// An empty slot holds the key with tag 0, which no IdKey has (auth/keys.h);
// an erased one holds tag kErased until the next rebuild, so probe chains
// stay intact.
//
// Thread-safety: none; the owner locks.
#pragma once

#include <bit>
#include <cstddef>
#include <utility>
#include <vector>

#include "auth/keys.h"
#include "util/large_alloc.h"

namespace cfiam::auth {

template <class V>
class IdTable {
 public:
  struct Slot {
    IdKey key;  // tag 0: empty; kErased: erased
    V value{};
  };

  IdTable() = default;

  V* Find(const IdKey& key) {
    Slot* s = SlotOf(key);
    return s ? &s->value : nullptr;
  }
  const V* Find(const IdKey& key) const { return const_cast<IdTable*>(this)->Find(key); }

  // The value under `key`, inserted as V{} when absent; second: inserted.
  std::pair<V*, bool> Emplace(const IdKey& key) {
    if ((used_ + 1) * 2 > slots_.size()) Rebuild(size_ + 1);
    Slot* erased = nullptr;
    for (std::size_t i = KeyHash{}(key) & mask();; i = (i + 1) & mask()) {
      Slot& s = slots_[i];
      if (s.key.tag == 0) {
        Slot& at = erased ? *erased : s;
        if (!erased) ++used_;
        at.key = key;
        at.value = V{};
        ++size_;
        return {&at.value, true};
      }
      if (s.key.tag == kErased) {
        if (!erased) erased = &s;
      } else if (s.key == key) {
        return {&s.value, false};
      }
    }
  }

  bool Erase(const IdKey& key) {
    Slot* s = SlotOf(key);
    if (!s) return false;
    MarkErased(*s);
    return true;
  }

  // Calls f(key, value) for every entry, in slot order; f returns true to
  // erase the entry.
  template <class F>
  void EraseIf(F&& f) {
    for (Slot& s : slots_) {
      if (s.key.tag == 0 || s.key.tag == kErased) continue;
      if (f(static_cast<const IdKey&>(s.key), s.value)) MarkErased(s);
    }
  }

  template <class F>
  void ForEach(F&& f) const {
    for (const Slot& s : slots_) {
      if (s.key.tag != 0 && s.key.tag != kErased) f(s.key, s.value);
    }
  }

  // Empties the table and sizes it for `n` entries without regrowing.
  void Reset(std::size_t n) {
    slots_.assign(CapacityFor(n), Slot{});
    used_ = size_ = 0;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void swap(IdTable& other) noexcept {
    slots_.swap(other.slots_);
    std::swap(used_, other.used_);
    std::swap(size_, other.size_);
  }

 private:
  // No IdKey has this tag (auth/keys.h: kHex, or a length 1..16).
  static constexpr std::uint8_t kErased = 0xfe;

  static std::size_t CapacityFor(std::size_t n) {
    return std::bit_ceil(std::max<std::size_t>(16, n * 2));
  }
  std::size_t mask() const { return slots_.size() - 1; }

  void MarkErased(Slot& s) {
    s.key = IdKey{};
    s.key.tag = kErased;
    --size_;
  }

  // The slot holding `key`, or null. There is always an empty slot (at most
  // half are used), so the probe ends.
  Slot* SlotOf(const IdKey& key) {
    if (slots_.empty()) return nullptr;
    for (std::size_t i = KeyHash{}(key) & mask();; i = (i + 1) & mask()) {
      Slot& s = slots_[i];
      if (s.key.tag == 0) return nullptr;
      if (s.key == key) return &s;
    }
  }

  // Drops erased slots and grows to hold `n` entries at most half full.
  void Rebuild(std::size_t n) {
    Slots old(CapacityFor(n));
    old.swap(slots_);
    used_ = size_ = 0;
    for (Slot& s : old) {
      if (s.key.tag == 0 || s.key.tag == kErased) continue;
      std::size_t i = KeyHash{}(s.key) & mask();
      while (slots_[i].key.tag != 0) i = (i + 1) & mask();
      slots_[i] = std::move(s);
      ++used_;
      ++size_;
    }
  }

  // In huge pages when large (util/large_alloc.h).
  using Slots = std::vector<Slot, LargeAllocator<Slot>>;
  Slots slots_;
  std::size_t used_ = 0;  // entries plus erased slots
  std::size_t size_ = 0;
};

}  // namespace cfiam::auth
