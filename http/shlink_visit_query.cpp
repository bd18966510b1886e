#include "http/shlink_visit_query.hpp"

#include "http/shlink_json.hpp"

#include <algorithm>
#include <optional>

namespace linkly {

namespace {

// Marks a query whose `type` is base_url (see matches_nothing).
constexpr int kBaseUrlOnly = -2;

}  // namespace

bool parse_shlink_visit_query(const shlink_target& target, bool orphans, shlink_visit_query* out,
                              std::vector<std::string>* invalid) {
  if (auto page = target.param("page")) {
    if (auto n = shlink_positive_int(*page)) {
      out->page = *n;
    } else {
      invalid->emplace_back("page");
    }
  }
  if (auto per_page = target.param("itemsPerPage"); per_page && *per_page != "-1") {
    if (auto n = shlink_positive_int(*per_page)) {
      out->all = false;
      out->per_page = std::min(*n, kShlinkMaxVisitsPerPage);
    } else {
      invalid->emplace_back("itemsPerPage");
    }
  }
  std::optional<std::int64_t> start, end;
  for (const char* name : {"startDate", "endDate"}) {
    auto text = target.param(name);
    if (!text || text->empty()) continue;  // empty: no bound, as in Shlink
    auto ms = parse_shlink_date(*text);
    if (!ms) {
      invalid->emplace_back(name);
      continue;
    }
    (name[0] == 's' ? start : end) = ms;
  }
  if (start && end && *start > *end) invalid->emplace_back("startDate");
  if (start) out->filter.since_ms = *start;
  if (end) out->filter.until_ms = *end;
  // Shlink excludes bots whenever the parameter is there; an explicit
  // "false" (what the SDK sends for excludeBots: false) keeps them.
  if (auto bots = target.param("excludeBots")) {
    out->filter.exclude_bots = *bots != "false" && *bots != "0";
  }
  if (auto type = target.param("type"); orphans && type) {
    if (*type == "invalid_short_url") {
      out->filter.regular_404 = 0;
    } else if (*type == "regular_404") {
      out->filter.regular_404 = 1;
    } else if (*type == "base_url") {
      out->filter.regular_404 = kBaseUrlOnly;
    } else {
      invalid->emplace_back("type");
    }
  }
  out->filter.offset = static_cast<std::uint64_t>(out->page - 1) * out->per_page;
  out->filter.limit = out->per_page;
  return invalid->empty();
}

bool matches_nothing(const shlink_visit_query& query) {
  return query.filter.regular_404 == kBaseUrlOnly;
}

}  // namespace linkly
