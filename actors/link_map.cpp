#include "actors/link_map.hpp"

#include <algorithm>
#include <functional>
#include <stdexcept>

namespace linkly {

std::uint64_t link_hash(std::string_view code) {
  static_assert(sizeof(std::size_t) == 8, "link_map's tags need 64-bit hashes and pointers");
  return std::hash<std::string_view>{}(code);
}

std::uintptr_t link_map::slot_of(stored_link* link, std::uint64_t hash) {
  auto address = reinterpret_cast<std::uintptr_t>(link);
  if ((address & ~kAddressMask) != 0)
    throw std::runtime_error("link record above 2^48 or unaligned");
  return address | kept(hash);
}

std::uint64_t link_map::hash_of(std::uintptr_t slot) const {
  if (bits_ > kKeptBits) return link_hash(record(slot)->code());
  const std::uint64_t top = (slot >> kTagShift << 4) | (slot & kLowBits);
  return top << (64 - kKeptBits);
}

std::size_t link_map::find_slot(std::string_view code, std::uint64_t hash) const {
  const std::size_t mask = slots_.size() - 1;
  const std::uintptr_t want = kept(hash);
  for (std::size_t i = home(hash);; i = (i + 1) & mask) {
    std::uintptr_t slot = slots_[i];
    if (slot == 0) return i;
    if ((slot & ~kAddressMask) == want && record(slot)->code() == code) return i;
  }
}

stored_link* link_map::find(std::string_view code, std::uint64_t hash) const {
  if (size_ == 0) return nullptr;
  std::uintptr_t slot = slots_[find_slot(code, hash)];
  return slot == 0 ? nullptr : record(slot);
}

void link_map::insert(stored_link* link, std::uint64_t hash) {
  if ((size_ + 1) * kMaxLoadDenominator > slots_.size() * kMaxLoadNumerator) {
    grow_to(std::max(kMinBits, bits_ + 1));
  }
  slots_[find_slot(link->code(), hash)] = slot_of(link, hash);
  ++size_;
}

void link_map::moved(const stored_link* from, stored_link* to, std::uint64_t hash) {
  std::size_t i = find_slot(from->code(), hash);
  slots_[i] = slot_of(to, hash);
}

bool link_map::erase(std::string_view code, std::uint64_t hash) {
  if (size_ == 0) return false;
  const std::size_t mask = slots_.size() - 1;
  std::size_t hole = find_slot(code, hash);
  if (slots_[hole] == 0) return false;
  stored_link::destroy(record(slots_[hole]));
  slots_[hole] = 0;
  --size_;
  // Backward shift: pull later records of the run into the hole when the
  // hole lies between their home and where they sit, so no probe that
  // passed the hole stops short at it.
  for (std::size_t i = (hole + 1) & mask; slots_[i] != 0; i = (i + 1) & mask) {
    std::size_t h = home(hash_of(slots_[i]));
    if (((i - h) & mask) >= ((i - hole) & mask)) {
      slots_[hole] = slots_[i];
      slots_[i] = 0;
      hole = i;
    }
  }
  return true;
}

void link_map::reserve(std::size_t links) {
  unsigned bits = kMinBits;
  while (links * kMaxLoadDenominator > (std::size_t{1} << bits) * kMaxLoadNumerator) ++bits;
  if (bits > bits_) grow_to(bits);
}

void link_map::grow_to(unsigned bits) {
  std::vector<std::uintptr_t> old(std::size_t{1} << bits, 0);
  old.swap(slots_);
  bits_ = bits;
  const std::size_t mask = slots_.size() - 1;
  for (std::uintptr_t slot : old) {
    if (slot == 0) continue;
    std::size_t i = home(hash_of(slot));
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void link_map::clear() {
  for (std::uintptr_t slot : slots_) {
    if (slot != 0) stored_link::destroy(record(slot));
  }
  std::vector<std::uintptr_t>().swap(slots_);
  bits_ = 0;
  size_ = 0;
}

}  // namespace linkly
