#pragma once
// link_map: code -> stored_link, by open addressing (linear probing, no
// tombstones) over one array of tagged pointers: a slot is 8 bytes, and the
// top 16 bits hold part of the code's hash, so a probe rarely reads a
// record it does not want.
//
// The map owns its records. The caller hashes the code (link_hash) once and
// passes the hash to every call, so a striped owner picks the stripe and
// the slot from one hash.
//
// Not thread-safe: the owner serialises access (link_table locks a stripe).

#include "actors/stored_link.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

/// The hash link_map and link_table expect (64 bits, all of them mixed).
std::uint64_t link_hash(std::string_view code);

class link_map {
 public:
  link_map() = default;
  ~link_map() { clear(); }
  link_map(const link_map&) = delete;
  link_map& operator=(const link_map&) = delete;
  link_map(link_map&& other) noexcept { swap(other); }
  link_map& operator=(link_map&& other) noexcept {
    swap(other);
    return *this;
  }
  void swap(link_map& other) noexcept {
    slots_.swap(other.slots_);
    std::swap(size_, other.size_);
  }

  /// The record of `code`, or nullptr.
  stored_link* find(std::string_view code, std::uint64_t hash) const;

  /// Adds `link` (its code must be absent) and takes ownership.
  void insert(stored_link* link, std::uint64_t hash);

  /// Points the slot of `from` at `to` (same code, new address: what
  /// stored_link::set_url may return). Does not free `from`.
  void moved(const stored_link* from, stored_link* to, std::uint64_t hash);

  /// Removes and frees the record of `code`; false if there was none.
  bool erase(std::string_view code, std::uint64_t hash);

  /// Calls fn(const stored_link&) for every record, in no particular order.
  template <class Fn>
  void for_each(Fn&& fn) const {
    for (std::uintptr_t slot : slots_) {
      if (slot != 0) fn(*record(slot));
    }
  }

  /// Makes room for `links` records without growing.
  void reserve(std::size_t links);

  /// Frees every record.
  void clear();

  std::size_t size() const { return size_; }
  /// Bytes of the slot array (the records are counted by whoever asks).
  std::size_t slot_bytes() const { return slots_.capacity() * sizeof(std::uintptr_t); }

 private:
  // A slot: 0 when empty, else the record's address (below 2^48 in user
  // space on x86-64 and AArch64) with the hash's top 16 bits above it.
  static constexpr unsigned kTagShift = 48;
  static constexpr std::uintptr_t kAddressMask = (std::uintptr_t{1} << kTagShift) - 1;
  // Grow past 3/4 full: probes stay short, and the tags spare most reads.
  static constexpr std::size_t kMaxLoadNumerator = 3;
  static constexpr std::size_t kMaxLoadDenominator = 4;
  static constexpr std::size_t kMinSlots = 16;

  static stored_link* record(std::uintptr_t slot) {
    return reinterpret_cast<stored_link*>(slot & kAddressMask);
  }
  static std::uintptr_t tag(std::uint64_t hash) { return hash >> kTagShift << kTagShift; }
  static std::uintptr_t slot_of(stored_link* link, std::uint64_t hash);
  std::size_t home(std::uint64_t hash) const { return (hash >> kHomeShift) & (slots_.size() - 1); }
  // The low bits pick link_table's stripe: the slot uses others.
  static constexpr unsigned kHomeShift = 8;

  std::size_t find_slot(std::string_view code, std::uint64_t hash) const;
  void grow_to(std::size_t slots);

  std::vector<std::uintptr_t> slots_;  // size: 0 or a power of two
  std::size_t size_ = 0;
};

}  // namespace linkly
