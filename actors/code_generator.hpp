#pragma once
// code_generator: candidate short codes from the operating system's CSPRNG
// (getrandom), so a code handed out cannot be predicted from the ones seen
// before it. Each character is drawn from [a-z0-9] by rejection sampling,
// so every character is equally likely (no modulo bias).
//
// Not thread-safe: one per link shard, used by its actor only.

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace linkly {

class code_generator {
 public:
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

  /// A random code of `length` characters from kAlphabet. Throws
  /// std::system_error if the OS cannot give random bytes (never, on Linux
  /// >= 3.17 once the entropy pool is initialised).
  std::string next(std::size_t length);

 private:
  // Random bytes are fetched this many at a time: a code takes about 6 of
  // them, and imports make codes by the million (one syscall per ~600 codes).
  static constexpr std::size_t kBufferBytes = 4096;

  unsigned char next_byte();

  std::array<unsigned char, kBufferBytes> buffer_{};
  std::size_t used_ = kBufferBytes;  // empty until the first draw
};

}  // namespace linkly
