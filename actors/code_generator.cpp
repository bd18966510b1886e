#include "actors/code_generator.hpp"

#include <sys/random.h>

#include <cerrno>
#include <system_error>

namespace linkly {

namespace {

// The largest multiple of the alphabet's size that fits in a byte: bytes at
// or above it are drawn again, so each character has the same 7 of 252.
constexpr unsigned kAcceptBelow = 256 - 256 % code_generator::kAlphabet.size();

}  // namespace

unsigned char code_generator::next_byte() {
  if (used_ == buffer_.size()) {
    std::size_t filled = 0;
    while (filled < buffer_.size()) {
      ssize_t n = getrandom(buffer_.data() + filled, buffer_.size() - filled, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::system_error(errno, std::generic_category(), "getrandom");
      }
      filled += static_cast<std::size_t>(n);
    }
    used_ = 0;
  }
  return buffer_[used_++];
}

std::string code_generator::next(std::size_t length) {
  std::string code(length, 'a');
  for (char& c : code) {
    unsigned char b = next_byte();
    while (b >= kAcceptBelow) b = next_byte();
    c = kAlphabet[b % kAlphabet.size()];
  }
  return code;
}

}  // namespace linkly
