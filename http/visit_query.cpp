#include "http/visit_query.hpp"

#include "schemas/rfc3339.hpp"

#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>

#include <charconv>
#include <limits>

namespace linkly {

namespace {

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
      std::int64_t ms = 0;
      if (!parse_rfc3339_ms(value, &ms)) {
        *error = "invalid " + std::string(param.key) +
                 ": use an RFC 3339 time such as 2026-12-05T12:00:00Z";
        return false;
      }
      (since ? out->filter.since_ms : out->filter.until_ms) = ms;
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
