#include "schemas/bot_patterns.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>

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
// are passed over after one lookup; at the few that pass, only the patterns
// starting with that pair are compared (`by_pair`, sorted by pair).
// Built at compile time: no static initialisation on the redirect path.
struct pattern_index {
  std::uint64_t starts[65536 / 64] = {};
  std::uint16_t pair[kBotPatterns.size()] = {};    // sorted
  std::uint8_t pattern[kBotPatterns.size()] = {};  // kBotPatterns index of pair[i]

  constexpr pattern_index() {
    for (std::size_t i = 0; i < kBotPatterns.size(); ++i) {
      std::string_view p = kBotPatterns[i];
      const std::uint16_t first =
          pair_of(static_cast<unsigned char>(p[0]), static_cast<unsigned char>(p[1]));
      starts[first / 64] |= std::uint64_t{1} << (first % 64);
      // Insertion sort: 36 entries, at compile time.
      std::size_t at = i;
      while (at > 0 && pair[at - 1] > first) {
        pair[at] = pair[at - 1];
        pattern[at] = pattern[at - 1];
        --at;
      }
      pair[at] = first;
      pattern[at] = static_cast<std::uint8_t>(i);
    }
  }

  constexpr bool starts_with_pair(std::uint16_t p) const {
    return (starts[p / 64] >> (p % 64) & 1) != 0;
  }
};

static_assert(kBotPatterns.size() <= 255, "pattern indexes are bytes");

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
    const std::uint16_t* first =
        std::lower_bound(std::begin(kIndex.pair), std::end(kIndex.pair), pair);
    for (const std::uint16_t* p = first; p != std::end(kIndex.pair) && *p == pair; ++p) {
      const std::size_t k = static_cast<std::size_t>(p - std::begin(kIndex.pair));
      if (matches_at(user_agent, i, kBotPatterns[kIndex.pattern[k]])) return true;
    }
  }
  return false;
}

}  // namespace linkly
