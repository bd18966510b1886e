#include "bench/harness/link_set.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace linkly::bench {

std::string code_of(std::uint64_t index) {
  return "c" + std::to_string(index);
}

std::string url_of(std::string_view code) {
  std::string url = "https://example.com/p/";
  url.append(code);
  return url;
}

std::uint64_t fast_rng::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fast_rng::below(std::uint64_t bound) {
  // Lemire's multiply-shift: no division, bias below 2^-64 * bound.
  return static_cast<std::uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
}

code_picker::code_picker(std::uint64_t links, code_distribution dist, double zipf_exponent,
                         std::uint64_t seed)
    : links_(links), dist_(dist), rng_(seed) {
  if (links == 0) throw std::invalid_argument("code_picker: no links");
  if (dist_ != code_distribution::zipf) return;
  cdf_.resize(links);
  double sum = 0;
  for (std::uint64_t i = 0; i < links; ++i) {
    sum += 1.0 / std::pow(static_cast<double>(i + 1), zipf_exponent);
    cdf_[i] = sum;
  }
  for (double& c : cdf_) c /= sum;
}

std::uint64_t code_picker::next() {
  if (dist_ == code_distribution::uniform) return rng_.below(links_);
  auto it = std::upper_bound(cdf_.begin(), cdf_.end(), rng_.unit());
  return std::min<std::uint64_t>(static_cast<std::uint64_t>(it - cdf_.begin()), links_ - 1);
}

}  // namespace linkly::bench
