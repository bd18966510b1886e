#pragma once
// Wall-clock time as linkly stores and shows it: UTC milliseconds.

#include <chrono>
#include <cstdint>
#include <string>

namespace linkly {

inline std::int64_t now_utc_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// "2026-11-22T06:09:42.123Z".
std::string format_utc_ms(std::int64_t ms);

}  // namespace linkly
