#include "http/visit_query.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>
#include <limits>

namespace linkly {

namespace {

// Howard Hinnant's days_from_civil.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool digits(std::string_view s, std::size_t at, std::size_t n, unsigned* out) {
  if (at + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  *out = v;
  return true;
}

bool leap(unsigned y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool parse_count(std::string_view text, std::uint64_t max, std::uint64_t* out) {
  std::uint64_t v = 0;
  auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 1 ||
      v > max) {
    return false;
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view s) {
  unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, &mo) ||
      s[7] != '-' || !digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
      !digits(s, 11, 2, &h) || s[13] != ':' || !digits(s, 14, 2, &mi) || s[16] != ':' ||
      !digits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] + (mo == 2 && leap(y) ? 1 : 0) || h > 23 ||
      mi > 59 || sec > 60) {  // 60: a leap second, read as the next one
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t ms = 0;
  if (at < s.size() && s[at] == '.') {
    std::size_t n = 0;
    for (++at; at < s.size() && s[at] >= '0' && s[at] <= '9'; ++at, ++n) {
      if (n < 3) ms = ms * 10 + (s[at] - '0');
    }
    if (n == 0) return std::nullopt;
    for (; n < 3; ++n) ms *= 10;
  }
  std::int64_t offset_min = 0;
  if (at < s.size() && (s[at] == 'Z' || s[at] == 'z')) {
    ++at;
  } else if (at < s.size() && (s[at] == '+' || s[at] == '-')) {
    unsigned oh = 0, om = 0;
    if (!digits(s, at + 1, 2, &oh) || at + 3 >= s.size() || s[at + 3] != ':' ||
        !digits(s, at + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_min = (s[at] == '-' ? -1 : 1) * static_cast<std::int64_t>(oh * 60 + om);
    at += 6;
  } else {
    return std::nullopt;
  }
  if (at != s.size()) return std::nullopt;
  const std::int64_t seconds =
      days_from_civil(y, mo, d) * 86'400 + h * 3600 + mi * 60 + sec - offset_min * 60;
  return seconds * 1000 + ms;
}

bool parse_visit_query(std::string_view raw_query, visit_query* out, std::string* error) {
  auto params = boost::urls::parse_query(raw_query);
  if (!params) {
    *error = "invalid query string";
    return false;
  }
  bool since_seen = false, until_seen = false;
  for (auto param : boost::urls::params_view(*params)) {
    const std::string& value = param.value;
    if (param.key == "page") {
      // Past this, page * per_page could overflow; no list is that long.
      constexpr std::uint64_t kMaxPage = std::uint64_t{1} << 40;
      if (!parse_count(value, kMaxPage, &out->page)) {
        *error = "invalid page: use an integer from 1";
        return false;
      }
    } else if (param.key == "per_page") {
      std::uint64_t n = 0;
      if (!parse_count(value, kMaxVisitsPerPage, &n)) {
        *error = "invalid per_page: use an integer from 1 to " + std::to_string(kMaxVisitsPerPage);
        return false;
      }
      out->per_page = static_cast<std::size_t>(n);
    } else if (param.key == "since" || param.key == "until") {
      const bool since = param.key == "since";
      if (value.empty()) continue;  // "since=": no bound, as absent
      auto ms = parse_rfc3339_ms(value);
      if (!ms) {
        *error = "invalid " + std::string(param.key) +
                 ": use an RFC 3339 time such as 2026-12-05T12:00:00Z";
        return false;
      }
      (since ? out->filter.since_ms : out->filter.until_ms) = *ms;
      (since ? since_seen : until_seen) = true;
    } else if (param.key == "exclude_bots") {
      if (value != "true" && value != "false") {
        *error = "invalid exclude_bots: use true or false";
        return false;
      }
      out->filter.exclude_bots = value == "true";
    }
  }
  if (since_seen && until_seen && out->filter.since_ms > out->filter.until_ms) {
    *error = "invalid since: after until";
    return false;
  }
  out->filter.offset = (out->page - 1) * out->per_page;
  out->filter.limit = out->per_page;
  return true;
}

}  // namespace linkly
