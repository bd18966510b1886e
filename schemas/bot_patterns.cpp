#include "schemas/bot_patterns.hpp"

#include <cstdint>

namespace linkly {

namespace {

constexpr unsigned char lower(unsigned char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

constexpr std::uint16_t pair_of(unsigned char a, unsigned char b) {
  return static_cast<std::uint16_t>(lower(a) << 8 | lower(b));
}

// The first two bytes of every pattern, as one bit per byte pair (8 KB,
// stays in L1): a browser's User-Agent holds few of them, so most positions
// are passed over after one lookup instead of one comparison per pattern.
// Built at compile time: no static initialisation on the redirect path.
struct pattern_index {
  std::uint64_t starts[65536 / 64] = {};
  std::uint16_t first_pair[kBotPatterns.size()] = {};

  constexpr pattern_index() {
    for (std::size_t i = 0; i < kBotPatterns.size(); ++i) {
      std::string_view p = kBotPatterns[i];
      first_pair[i] = pair_of(static_cast<unsigned char>(p[0]), static_cast<unsigned char>(p[1]));
      starts[first_pair[i] / 64] |= std::uint64_t{1} << (first_pair[i] % 64);
    }
  }

  constexpr bool starts_with_pair(std::uint16_t pair) const {
    return (starts[pair / 64] >> (pair % 64) & 1) != 0;
  }
};

constexpr bool lower_case_patterns() {
  for (std::string_view p : kBotPatterns) {
    if (p.size() < 2) return false;  // the index needs two bytes
    for (char c : p) {
      if (lower(static_cast<unsigned char>(c)) != static_cast<unsigned char>(c)) return false;
    }
  }
  return true;
}
static_assert(lower_case_patterns(), "patterns are lower case, at least two bytes");

constexpr pattern_index kIndex;

// The rest of `pattern` (its first two bytes already matched) at `at`.
bool matches_at(std::string_view ua, std::size_t at, std::string_view pattern) {
  if (ua.size() - at < pattern.size()) return false;
  for (std::size_t k = 2; k < pattern.size(); ++k) {
    if (lower(static_cast<unsigned char>(ua[at + k])) != static_cast<unsigned char>(pattern[k])) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_potential_bot(std::string_view user_agent) {
  if (user_agent.empty()) return true;
  const auto* bytes = reinterpret_cast<const unsigned char*>(user_agent.data());
  for (std::size_t i = 0; i + 1 < user_agent.size(); ++i) {
    const std::uint16_t pair = pair_of(bytes[i], bytes[i + 1]);
    if (!kIndex.starts_with_pair(pair)) continue;
    for (std::size_t p = 0; p < kBotPatterns.size(); ++p) {
      if (kIndex.first_pair[p] == pair && matches_at(user_agent, i, kBotPatterns[p])) return true;
    }
  }
  return false;
}

}  // namespace linkly
