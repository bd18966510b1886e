#include "http/shlink_json.hpp"

#include "http/link_json.hpp"
#include "schemas/clock.hpp"
#include "schemas/rfc3339.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace linkly {

std::string shlink_date(std::int64_t ms) {
  std::string iso = format_utc_ms(ms);  // "2026-12-05T12:00:00.123Z"
  return iso.substr(0, 19) + "+00:00";
}

std::optional<std::int64_t> parse_shlink_date(std::string_view text) {
  std::int64_t ms = 0;
  constexpr std::size_t kDateOnly = 10;  // "2026-12-05": midnight UTC
  if (text.size() == kDateOnly) {
    if (!parse_rfc3339_ms(std::string(text) + "T00:00:00Z", &ms)) return std::nullopt;
    return ms;
  }
  if (!parse_rfc3339_ms(text, &ms)) return std::nullopt;
  return ms;
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
