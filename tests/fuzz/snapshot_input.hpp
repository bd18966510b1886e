#pragma once
// Fuzz input for the snapshot target: the bytes of a projection store's
// snapshot file (storage/snapshot_file.hpp), after one byte of flags:
//
//   input := flags:u8 file
//   flags bit 0: overwrite the file's last 4 bytes with the CRC-32C
//                (little-endian) of the rest, as the writer does, so
//                mutations reach the header and body decoders instead of
//                dying at the checksum.
// seeds_main.cpp writes this format from real snapshots.

#include "storage/record_format.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace linkly::fuzz {

constexpr std::uint8_t kFixSnapshotCrc = 1;

/// The snapshot file an input stands for.
inline std::string snapshot_file_of(std::string_view in) {
  if (in.empty()) return {};
  const auto flags = static_cast<std::uint8_t>(in[0]);
  std::string file(in.substr(1));
  if ((flags & kFixSnapshotCrc) && file.size() >= 4) {
    const std::uint32_t crc = crc32c(std::string_view(file).substr(0, file.size() - 4));
    for (std::size_t i = 0; i < 4; ++i) {
      file[file.size() - 4 + i] = static_cast<char>((crc >> (8 * i)) & 0xff);
    }
  }
  return file;
}

/// An input that stands for `file` as it is (`flags` 0) or with its
/// checksum recomputed (kFixSnapshotCrc).
inline std::string snapshot_input(std::string_view file, std::uint8_t flags) {
  std::string out(1, static_cast<char>(flags));
  out.append(file);
  return out;
}

}  // namespace linkly::fuzz
