#pragma once
// The byte layout of a click spool segment (see click_spool.hpp), shared by
// the spool and its recovery, and the mapped segment. Private to storage/.

#include "storage/click_spool.hpp"

#include <sys/mman.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>

namespace linkly {

/// One mapped segment file.
struct click_spool::segment {
  std::uint32_t id = 0;
  std::string path;
  char* base = nullptr;
  std::size_t size = 0;
  // Bytes its writer filled, header included: set when sealed.
  std::size_t used = 0;
  // The writer's (or recovery's) reference plus one per record not yet
  // done: at zero the segment is deleted.
  std::atomic<std::int64_t> refs{1};

  ~segment() {
    if (base != nullptr) ::munmap(base, size);
  }
};

namespace spool_layout {

constexpr char kMagic[8] = {'L', 'N', 'K', 'S', 'P', 'O', 'O', 'L'};
constexpr std::uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 16;        // magic, version, reserved
constexpr std::size_t kRecordHeaderBytes = 16;  // length, released flag, mark
constexpr const char* kSuffix = ".seg";

/// Records start at multiples of 8, so a mark is one aligned store.
constexpr std::size_t padded(std::size_t n) {
  return (n + 7) & ~std::size_t{7};
}

/// A click's spool_slot: its segment's id and its record's offset.
constexpr std::uint64_t slot_of(std::uint32_t segment_id, std::size_t offset) {
  return (std::uint64_t{segment_id} << 32) | static_cast<std::uint32_t>(offset);
}

}  // namespace spool_layout
}  // namespace linkly
