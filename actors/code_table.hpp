#pragma once
// code_table<V>: code -> V for state kept per link code (analytics' lives).
// The entries sit in one vector (code, V), in insertion order; an index of
// open-addressing slots (linear probing, no tombstones) finds them. A slot
// is 8 bytes: the entry's position and 32 bits of the code's hash, so a
// probe compares a code only when those agree, and growing reads no entry.
// A fold that meets a new code every event (clicks spread over a million
// links) pays one slot and one entry write instead of a node allocation.
//
// Pointers to entries move when the table grows or erases; their V's own
// heap data (a vector's elements) do not. Not thread-safe.

#include "actors/link_map.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

template <class V>
class code_table {
 public:
  using entry = std::pair<std::string, V>;

  /// The value of `code`, or nullptr.
  const V* find(std::string_view code) const {
    if (slots_.empty()) return nullptr;
    const std::uint64_t slot = slots_[find_slot(code, link_hash(code))];
    return slot == 0 ? nullptr : &entries_[position(slot)].second;
  }
  V* find(std::string_view code) {
    return const_cast<V*>(static_cast<const code_table*>(this)->find(code));
  }

  /// The value of `code`, added (value-initialised) if absent.
  V& operator[](std::string_view code) {
    if ((entries_.size() + 1) * kMaxLoadDenominator > slots_.size() * kMaxLoadNumerator) {
      grow_to(slots_.empty() ? kMinSlots : slots_.size() * 2);
    }
    const std::uint64_t hash = link_hash(code);
    const std::size_t at = find_slot(code, hash);
    if (slots_[at] != 0) return entries_[position(slots_[at])].second;
    slots_[at] = slot_of(entries_.size(), hash);
    return entries_.emplace_back(std::string(code), V{}).second;
  }

  /// Removes `code`'s entry (the last entry takes its place); false if
  /// there was none.
  bool erase(std::string_view code) {
    if (slots_.empty()) return false;
    std::size_t hole = find_slot(code, link_hash(code));
    if (slots_[hole] == 0) return false;
    const std::size_t gone = position(slots_[hole]);
    // Backward shift: a later entry of the probe run moves into the hole
    // unless its home lies cyclically in (hole, it].
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = (hole + 1) & mask; slots_[i] != 0; i = (i + 1) & mask) {
      if (((i - home(slots_[i])) & mask) >= ((i - hole) & mask)) {
        slots_[hole] = slots_[i];
        hole = i;
      }
    }
    slots_[hole] = 0;
    const std::size_t last = entries_.size() - 1;
    if (gone != last) {
      const std::uint64_t hash = link_hash(entries_[last].first);
      slots_[find_slot(entries_[last].first, hash)] = slot_of(gone, hash);
      entries_[gone] = std::move(entries_[last]);
    }
    entries_.pop_back();
    return true;
  }

  void reserve(std::size_t n) {
    entries_.reserve(n);
    std::size_t want = kMinSlots;
    while (n * kMaxLoadDenominator > want * kMaxLoadNumerator) want *= 2;
    if (want > slots_.size()) grow_to(want);
  }

  void clear() {
    entries_.clear();
    slots_.clear();
  }

  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  auto begin() { return entries_.begin(); }
  auto end() { return entries_.end(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

 private:
  // A slot: 0 when empty, else (top 32 bits of the hash) << 32 | position + 1.
  static constexpr std::size_t kMinSlots = 16;
  // Grow past 3/4 full: probes stay short.
  static constexpr std::size_t kMaxLoadNumerator = 3;
  static constexpr std::size_t kMaxLoadDenominator = 4;

  static std::uint64_t slot_of(std::size_t position, std::uint64_t hash) {
    return (hash & 0xffffffff00000000ull) | (position + 1);
  }
  static std::size_t position(std::uint64_t slot) {
    return static_cast<std::size_t>(slot & 0xffffffffull) - 1;
  }
  // The kept top bits pick the home slot, so a slot's home is its own
  // (up to 2^32 slots).
  std::size_t home(std::uint64_t hash) const {
    return static_cast<std::size_t>((hash >> 32) & (slots_.size() - 1));
  }

  // The slot holding `code`, or the empty one where it would go. Slots
  // must not be empty.
  std::size_t find_slot(std::string_view code, std::uint64_t hash) const {
    const std::size_t mask = slots_.size() - 1;
    const std::uint64_t tag = hash & 0xffffffff00000000ull;
    for (std::size_t i = home(hash);; i = (i + 1) & mask) {
      const std::uint64_t slot = slots_[i];
      if (slot == 0) return i;
      if ((slot & 0xffffffff00000000ull) == tag && entries_[position(slot)].first == code) return i;
    }
  }

  void grow_to(std::size_t count) {
    std::vector<std::uint64_t> old(count, 0);
    old.swap(slots_);
    const std::size_t mask = slots_.size() - 1;
    for (std::uint64_t slot : old) {
      if (slot == 0) continue;
      std::size_t i = home(slot);
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<entry> entries_;
  std::vector<std::uint64_t> slots_;  // empty, or a power of two of them
};

}  // namespace linkly
