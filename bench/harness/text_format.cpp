#include "bench/harness/text_format.hpp"

#include <cmath>
#include <iomanip>
#include <sstream>

namespace linkly::bench {

std::string fixed(double v, int digits) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(digits) << v;
  return out.str();
}

std::string thousands(double v) {
  auto n = static_cast<long long>(std::llround(v));
  std::string digits = std::to_string(n < 0 ? -n : n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string latency_text(double us) {
  if (us < 1000) return fixed(us, 0) + " us";
  if (us < 1'000'000) return fixed(us / 1000, us < 10'000 ? 2 : 1) + " ms";
  return fixed(us / 1'000'000, 2) + " s";
}

}  // namespace linkly::bench
