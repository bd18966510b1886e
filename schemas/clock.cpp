#include "schemas/clock.hpp"

#include <cstdio>
#include <ctime>

namespace linkly {

std::string format_utc_ms(std::int64_t ms) {
  // Floor division without overflow: a timestamp read from a damaged store
  // may be any int64, down to its minimum.
  std::int64_t secs = ms / 1000;
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {
    --secs;
    millis += 1000;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

}  // namespace linkly
