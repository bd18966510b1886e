#pragma once
// text_format: how the report and the goals write numbers, one way for both.

#include <string>

namespace linkly::bench {

/// `v` with `digits` decimals: fixed(1.234, 2) == "1.23".
std::string fixed(double v, int digits);
/// Rounded, with thousands separators: thousands(12345.6) == "12,346".
std::string thousands(double v);
/// A latency given in microseconds, in us, ms or s with 3 or so significant
/// digits: "868 us", "4.30 ms", "112.0 ms".
std::string latency_text(double us);

}  // namespace linkly::bench
