#pragma once
// link_map: code -> stored_link, by open addressing (linear probing, no
// tombstones) over one array of tagged pointers: a slot is 8 bytes, and 20
// bits of the code's hash ride in it, so a probe rarely reads a record it
// does not want and growing reads none.
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
    std::swap(bits_, other.bits_);
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
  // space on x86-64 and AArch64, a multiple of 16) with the top 20 bits of
  // the code's hash in the 16 bits above it and the 4 below it. The slot
  // index is the hash's top bits too, so growing to 2^20 slots reads no
  // record, and a probe reads one only when 20 bits of hash agree.
  static constexpr unsigned kKeptBits = 20;
  static constexpr unsigned kTagShift = 48;
  static constexpr std::uintptr_t kLowBits = 0xF;
  static constexpr std::uintptr_t kAddressMask = ((std::uintptr_t{1} << kTagShift) - 1) & ~kLowBits;
  // Grow past 3/4 full: probes stay short.
  static constexpr std::size_t kMaxLoadNumerator = 3;
  static constexpr std::size_t kMaxLoadDenominator = 4;
  static constexpr unsigned kMinBits = 4;  // 16 slots

  static stored_link* record(std::uintptr_t slot) {
    return reinterpret_cast<stored_link*>(slot & kAddressMask);
  }
  // The hash bits a slot keeps, where they sit in the slot.
  static std::uintptr_t kept(std::uint64_t hash) {
    const std::uint64_t top = hash >> (64 - kKeptBits);
    return (top >> 4 << kTagShift) | (top & kLowBits);
  }
  static std::uintptr_t slot_of(stored_link* link, std::uint64_t hash);
  // The slot a hash starts probing at.
  std::size_t home(std::uint64_t hash) const {
    return static_cast<std::size_t>(hash >> (64 - bits_));
  }
  // What home() needs of the hash of the record in `slot`.
  std::uint64_t hash_of(std::uintptr_t slot) const;

  std::size_t find_slot(std::string_view code, std::uint64_t hash) const;
  void grow_to(unsigned bits);

  std::vector<std::uintptr_t> slots_;  // empty, or 2^bits_ slots
  unsigned bits_ = 0;
  std::size_t size_ = 0;
};

}  // namespace linkly
