#pragma once
// link_set: the links a benchmark preloads and asks for. Code i is "c<i>"
// and its url is derived from it ("https://example.com/p/c<i>"), so the
// Location of every redirect can be checked exactly without a table.
//
// code_picker draws code indices uniformly or Zipf-skewed (index 0 the most
// popular), from its own fast generator: one picker per thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linkly::bench {

std::string code_of(std::uint64_t index);
std::string url_of(std::string_view code);

/// splitmix64: small, fast and good enough to pick codes.
class fast_rng {
 public:
  explicit fast_rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();
  /// Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  /// Uniform in [0, bound), bound > 0.
  std::uint64_t below(std::uint64_t bound);

 private:
  std::uint64_t state_;
};

enum class code_distribution { uniform, zipf };

class code_picker {
 public:
  /// `zipf_exponent` matters only for zipf (1.0 is classic Zipf; YCSB uses 0.99).
  code_picker(std::uint64_t links, code_distribution dist, double zipf_exponent,
              std::uint64_t seed);

  std::uint64_t next();
  std::uint64_t links() const { return links_; }

 private:
  std::uint64_t links_;
  code_distribution dist_;
  fast_rng rng_;
  std::vector<double> cdf_;  // zipf only: cdf_[i] = P(index <= i)
};

}  // namespace linkly::bench
