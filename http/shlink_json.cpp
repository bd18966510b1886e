#include "http/shlink_json.hpp"

#include "http/link_json.hpp"
#include "schemas/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace linkly {

namespace {

constexpr std::int64_t kMsPerSecond = 1000;
constexpr std::int64_t kSecondsPerDay = 86400;

// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's
// algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool read_digits(std::string_view text, std::size_t at, std::size_t count, int* out) {
  if (at + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  *out = value;
  return true;
}

bool valid_day(int y, int m, int d) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

}  // namespace

std::string shlink_date(std::int64_t ms) {
  std::string iso = format_utc_ms(ms);  // "2026-12-05T12:00:00.123Z"
  return iso.substr(0, 19) + "+00:00";
}

std::optional<std::int64_t> parse_shlink_date(std::string_view text) {
  int y = 0, mo = 0, d = 0;
  if (text.size() < 10 || !read_digits(text, 0, 4, &y) || text[4] != '-' ||
      !read_digits(text, 5, 2, &mo) || text[7] != '-' || !read_digits(text, 8, 2, &d) ||
      !valid_day(y, mo, d)) {
    return std::nullopt;
  }
  std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (text.size() == 10) return days * kSecondsPerDay * kMsPerSecond;
  int h = 0, mi = 0, s = 0;
  if (text.size() < 19 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ') ||
      !read_digits(text, 11, 2, &h) || text[13] != ':' || !read_digits(text, 14, 2, &mi) ||
      text[16] != ':' || !read_digits(text, 17, 2, &s) || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  std::size_t at = 19;
  std::int64_t millis = 0;
  if (at < text.size() && text[at] == '.') {
    std::size_t start = ++at;
    int scale = 100;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
      if (scale > 0) millis += (text[at] - '0') * scale;
      scale /= 10;
      ++at;
    }
    if (at == start) return std::nullopt;
  }
  std::int64_t offset_s = 0;
  if (at < text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    ++at;
  } else if (at < text.size() && (text[at] == '+' || text[at] == '-')) {
    int oh = 0, om = 0;
    if (!read_digits(text, at + 1, 2, &oh) || at + 3 >= text.size() || text[at + 3] != ':' ||
        !read_digits(text, at + 4, 2, &om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_s = (oh * 3600 + om * 60) * (text[at] == '+' ? 1 : -1);
    at += 6;
  } else {
    return std::nullopt;  // a time without a zone names no instant
  }
  if (at != text.size()) return std::nullopt;
  std::int64_t seconds = days * kSecondsPerDay + h * 3600 + mi * 60 + s - offset_s;
  return seconds * kMsPerSecond + millis;
}

boost::json::object shlink_visits_json(const shlink_visits& visits) {
  return {{"total", visits.total}, {"nonBots", visits.non_bots}, {"bots", visits.bots}};
}

boost::json::object shlink_short_url_json(const link_info& link, std::string_view short_url_base,
                                          const shlink_visits& visits) {
  const link_attributes& attrs = link.attrs;
  boost::json::array tags;
  for (const std::string& tag : attrs.tags) tags.emplace_back(tag);
  boost::json::object meta;
  meta["validSince"] = attrs.valid_since_ms ? boost::json::value(shlink_date(*attrs.valid_since_ms))
                                            : boost::json::value(nullptr);
  meta["validUntil"] = attrs.valid_until_ms ? boost::json::value(shlink_date(*attrs.valid_until_ms))
                                            : boost::json::value(nullptr);
  meta["maxVisits"] =
      attrs.max_visits ? boost::json::value(*attrs.max_visits) : boost::json::value(nullptr);
  boost::json::object out;
  out["shortUrl"] = short_url(short_url_base, link.code);
  out["shortCode"] = link.code;
  out["longUrl"] = link.url;
  out["dateCreated"] = shlink_date(link.created_at_ms);
  out["tags"] = std::move(tags);
  out["meta"] = std::move(meta);
  out["domain"] = nullptr;  // one domain, the default: Shlink says null for it
  out["title"] =
      attrs.title.empty() ? boost::json::value(nullptr) : boost::json::value(attrs.title);
  out["crawlable"] = attrs.crawlable;
  out["forwardQuery"] = attrs.forward_query;
  out["visitsSummary"] = shlink_visits_json(visits);
  out["hasRedirectRules"] = false;  // linkly has no per-link redirect rules
  return out;
}

boost::json::object shlink_paginator_json(std::size_t page, std::size_t per_page,
                                          std::size_t in_page, std::size_t total) {
  // At least one page, even an empty one, as Shlink counts.
  std::size_t pages =
      per_page == 0 ? 1 : std::max<std::size_t>(1, (total + per_page - 1) / per_page);
  return {{"currentPage", page},
          {"pagesCount", pages},
          {"itemsPerPage", per_page == 0 ? total : per_page},
          {"itemsInCurrentPage", in_page},
          {"totalItems", total}};
}

}  // namespace linkly
