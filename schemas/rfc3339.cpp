#include "schemas/rfc3339.hpp"

#include <cstddef>

namespace linkly {

namespace {

// `n` digits at `*at` into `*out`; advances `*at`.
bool digits(std::string_view s, std::size_t* at, std::size_t n, int* out) {
  if (*at + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[*at + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *at += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, std::size_t* at, char c) {
  if (*at >= s.size() || s[*at] != c) return false;
  ++*at;
  return true;
}

bool leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Days from 1970-01-01 to y-m-d (Howard Hinnant's days_from_civil).
std::int64_t days_from_civil(int y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy =
      (153 * static_cast<unsigned>(m > 2 ? m - 3 : m + 9) + 2) / 5 + static_cast<unsigned>(d) - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

}  // namespace

bool parse_rfc3339_ms(std::string_view s, std::int64_t* out) {
  std::size_t at = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, &at, 4, &year) || !expect(s, &at, '-') || !digits(s, &at, 2, &month) ||
      !expect(s, &at, '-') || !digits(s, &at, 2, &day)) {
    return false;
  }
  if (at >= s.size() || (s[at] != 'T' && s[at] != 't' && s[at] != ' ')) return false;
  ++at;
  if (!digits(s, &at, 2, &hour) || !expect(s, &at, ':') || !digits(s, &at, 2, &minute) ||
      !expect(s, &at, ':') || !digits(s, &at, 2, &second)) {
    return false;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) ||
      hour > 23 || minute > 59 || second > 60) {  // 60: a leap second, read as :59.999's next
    return false;
  }
  int millis = 0;
  if (at < s.size() && s[at] == '.') {
    ++at;
    std::size_t n = 0;
    while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
      if (n < 3) millis = millis * 10 + (s[at] - '0');
      ++n;
      ++at;
    }
    if (n == 0) return false;
    for (std::size_t k = n; k < 3; ++k) millis *= 10;
  }
  int offset_minutes = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    const int sign = s[at] == '-' ? -1 : 1;
    ++at;
    int oh = 0, om = 0;
    if (!digits(s, &at, 2, &oh) || !expect(s, &at, ':') || !digits(s, &at, 2, &om) || oh > 23 ||
        om > 59) {
      return false;
    }
    offset_minutes = sign * (oh * 60 + om);
  } else {
    return false;
  }
  if (at != s.size()) return false;
  const std::int64_t seconds = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                               minute * 60 + second - offset_minutes * 60;
  *out = seconds * 1000 + millis;
  return true;
}

}  // namespace linkly
