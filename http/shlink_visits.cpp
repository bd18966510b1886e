#include "http/shlink_visits.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/read_view.hpp"
#include "http/io_worker.hpp"
#include "http/shlink_json.hpp"
#include "http/shlink_link_scan.hpp"
#include "http/shlink_problem.hpp"
#include "http/shlink_visit_query.hpp"
#include "http/visits_deletion.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_rules.hpp"
#include "schemas/orphan_visit.hpp"
#include "storage/event_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace linkly {

namespace {

constexpr std::string_view kVisitsOff = "visits are unavailable: analytics or clicks are off";
constexpr std::string_view kReadFailed = "the clicks log could not be read";
constexpr std::string_view kLinksOff = "links are unavailable";

http_response unavailable(std::string_view why) {
  return shlink_status_problem(http_status::service_unavailable, why);
}

bool visits_running(const shlink_call& call) {
  return call.analytics != nullptr && call.sources.clicks_log != nullptr;
}

// "scheme://host[:port]" of the short url base: an orphan visit keeps the
// path it asked for, and Shlink's visitedUrl is the whole url.
std::string origin_of(std::string_view base) {
  auto scheme = base.find("://");
  std::size_t from = scheme == std::string_view::npos ? 0 : scheme + 3;
  return std::string(base.substr(0, base.find('/', from)));
}

boost::json::value number_or_zero(const std::optional<double>& v) {
  if (!v || *v == 0) return 0;  // Shlink's 0 for "not located"
  return *v;
}

// Shlink's VisitLocation: null when the visit was not located (linkly
// knows a country at most, from CF-IPCountry); the fields linkly does not
// know are Shlink's empty values ("" and 0), as for a partial location.
boost::json::value location_json(const std::string& country, const std::optional<double>& lat,
                                 const std::optional<double>& lon) {
  if (country.empty()) return nullptr;
  return boost::json::object{{"countryCode", country},
                             {"countryName", ""},
                             {"regionName", ""},
                             {"cityName", ""},
                             {"latitude", number_or_zero(lat)},
                             {"longitude", number_or_zero(lon)},
                             {"timezone", ""},
                             {"isEmpty", false}};
}

// A link's visit. visitedUrl: linkly does not keep the url a link's visit
// asked for (only orphan visits keep it), so null, as Shlink's swagger allows.
bool click_json(const envelope& env, boost::json::object* out) {
  click_recorded click;
  if (!decode_click(env, &click)) return false;
  (*out)["referer"] = click.referrer;
  (*out)["date"] = shlink_date(click.clicked_at_ms);
  (*out)["userAgent"] = click.user_agent;
  (*out)["visitLocation"] = location_json(click.country, click.latitude, click.longitude);
  (*out)["potentialBot"] = click.potential_bot;
  (*out)["visitedUrl"] = nullptr;
  (*out)["redirectUrl"] = click.url;
  return true;
}

bool orphan_json(const envelope& env, std::string_view origin, boost::json::object* out) {
  orphan_visit visit;
  if (!decode_orphan_visit(env, &visit)) return false;
  (*out)["referer"] = visit.referrer;
  (*out)["date"] = shlink_date(visit.visited_at_ms);
  (*out)["userAgent"] = visit.user_agent;
  (*out)["visitLocation"] = location_json(visit.country, std::nullopt, std::nullopt);
  (*out)["potentialBot"] = visit.potential_bot;
  (*out)["visitedUrl"] = std::string(origin) + visit.visited_url;
  (*out)["redirectUrl"] = nullptr;  // a miss redirects nowhere
  (*out)["type"] = to_string(visit.kind);
  return true;
}

// {"visits":{"data","pagination"}} of `refs`, read from the clicks log;
// 503 when a read or decode fails.
http_response page_response(const shlink_call& call, const shlink_visit_query& q,
                            std::uint64_t matched, const std::vector<visit_ref>& refs,
                            bool orphans) {
  const event_log& clicks = *call.sources.clicks_log;
  const std::string origin = origin_of(call.short_url_base);
  boost::json::array data;
  data.reserve(refs.size());
  for (const visit_ref& ref : refs) {
    envelope env;
    if (!clicks.get(ref.seq(), &env)) return unavailable(kReadFailed);
    boost::json::object item;
    if (!(orphans ? orphan_json(env, origin, &item) : click_json(env, &item))) {
      return unavailable(kReadFailed);
    }
    data.push_back(std::move(item));
  }
  // "All" that fits one page is Shlink's all-form; more is paged by the cap.
  bool one_page = q.all && matched <= kShlinkMaxVisitsPerPage;
  std::size_t in_page = data.size();
  boost::json::object list{
      {"data", std::move(data)},
      {"pagination", shlink_paginator_json(one_page ? 1 : q.page, one_page ? 0 : q.per_page,
                                           in_page, static_cast<std::size_t>(matched))}};
  return json_response(http_status::ok, boost::json::object{{"visits", std::move(list)}});
}

bool read_query(const shlink_call& call, bool orphans, shlink_visit_query* q) {
  std::vector<std::string> invalid;
  if (!parse_shlink_visit_query(call.target, orphans, q, &invalid)) {
    call.send(shlink_invalid_data(invalid));
    return false;
  }
  return true;
}

// The page of `q` over the current lives of `links`, merged newest first
// (by clicks-log seq). Each life gives its newest visits down to the
// page's depth; the set is trimmed to that depth as it grows.
void merged_page(const analytics_reader& analytics, const std::vector<link_info>& links,
                 const shlink_visit_query& q, visit_page* out) {
  const std::uint64_t depth = q.filter.offset + q.filter.limit;
  visit_filter each = q.filter;
  each.offset = 0;
  each.limit = static_cast<std::size_t>(depth);
  auto newer = [](const visit_ref& a, const visit_ref& b) { return a.seq() > b.seq(); };
  std::vector<visit_ref> held;
  for (const link_info& link : links) {
    visit_page page;
    analytics.list_visits(link.code, link.incarnation, each, &page);
    out->matched += page.matched;
    held.insert(held.end(), page.refs.begin(), page.refs.end());
    if (held.size() > 2 * depth) {
      std::nth_element(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(depth), held.end(),
                       newer);
      held.resize(depth);
    }
  }
  std::sort(held.begin(), held.end(), newer);
  if (q.filter.offset >= held.size()) return;
  auto first = held.begin() + static_cast<std::ptrdiff_t>(q.filter.offset);
  auto last = held.size() > depth ? held.begin() + static_cast<std::ptrdiff_t>(depth) : held.end();
  out->refs.assign(first, last);
}

// Lists the visits of the live links `pick` keeps, or answers `none`
// (when given) if it keeps none.
template <class Pick>
void merged_visits(shlink_call call, Pick pick, std::optional<http_response> none) {
  if (!visits_running(call)) return call.send(unavailable(kVisitsOff));
  if (call.links == nullptr) return call.send(unavailable(kLinksOff));
  shlink_visit_query q;
  if (!read_query(call, false, &q)) return;
  if (q.filter.offset + q.filter.limit > kShlinkMaxMergedVisitsDepth) {
    return call.send(shlink_invalid_data({"page"}));
  }
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(links, worker,
             [call = std::move(call), pick = std::move(pick), none = std::move(none),
              q](link_scan scan) mutable {
               if (!scan.ok()) return call.send(unavailable(scan.error));
               std::vector<link_info> kept;
               for (link_info& link : scan.links) {
                 if (pick(link)) kept.push_back(std::move(link));
               }
               if (kept.empty() && none) return call.send(std::move(*none));
               visit_page page;
               merged_page(*call.analytics, kept, q, &page);
               call.send(page_response(call, q, page.matched, page.refs, false));
             });
}

}  // namespace

void shlink_short_url_visits(shlink_call call, const std::string& code) {
  shlink_visit_query q;
  if (!read_query(call, false, &q)) return;
  if (call.view == nullptr) return call.send(unavailable(kLinksOff));
  link_info link;
  // Shlink forgets a deleted short url's visits: only a live link has any.
  if (!is_code_syntax(code) || !call.view->find(code, &link)) {
    return call.send(shlink_short_url_not_found(code));
  }
  if (!visits_running(call)) return call.send(unavailable(kVisitsOff));
  visit_page page;
  call.analytics->list_visits(link.code, link.incarnation, q.filter, &page);
  call.send(page_response(call, q, page.matched, page.refs, false));
}

void shlink_tag_visits(shlink_call call, std::string tag) {
  http_response none = shlink_tag_not_found(tag);
  merged_visits(
      std::move(call),
      [tag = std::move(tag)](const link_info& link) {
        return std::binary_search(link.attrs.tags.begin(), link.attrs.tags.end(), tag);
      },
      std::move(none));
}

void shlink_non_orphan_visits(shlink_call call) {
  merged_visits(
      std::move(call), [](const link_info&) { return true; }, std::nullopt);
}

void shlink_domain_visits(shlink_call call, const std::string& domain) {
  // One domain: Shlink's "DEFAULT" or its authority names it.
  if (domain != "DEFAULT" && domain != call.default_domain) {
    return call.send(shlink_domain_not_found(domain));
  }
  shlink_non_orphan_visits(std::move(call));
}

void shlink_orphan_visits(shlink_call call) {
  shlink_visit_query q;
  if (!read_query(call, true, &q)) return;
  if (!visits_running(call)) return call.send(unavailable(kVisitsOff));
  visit_page page;
  if (!matches_nothing(q)) call.analytics->list_orphans(q.filter, &page);
  call.send(page_response(call, q, page.matched, page.refs, true));
}

void shlink_visits_overview(shlink_call call) {
  if (call.analytics == nullptr) return call.send(unavailable(kVisitsOff));
  visit_counts links;
  visit_counts orphans;
  call.analytics->overview(&links, &orphans);
  auto summary = [](const visit_counts& c) {
    return shlink_visits_json(shlink_visits{c.total, c.total - c.bots, c.bots});
  };
  boost::json::object visits{{"nonOrphanVisits", summary(links)},
                             {"orphanVisits", summary(orphans)}};
  call.send(json_response(http_status::ok, boost::json::object{{"visits", std::move(visits)}}));
}

namespace {

visits_deletion_sources deletion_sources(const shlink_call& call) {
  return {call.view, call.clicks, call.analytics, call.worker};
}

// Shlink's BulkDeleteResult, or its problem.
visits_deletion_callback deletion_answer(shlink_call call, std::string code) {
  return [send = std::move(call.send), code = std::move(code)](visits_deletion_result r) {
    switch (r.result) {
      case visits_deletion_result::outcome::deleted:
        return send(
            json_response(http_status::ok, boost::json::object{{"deletedVisits", r.removed}}));
      case visits_deletion_result::outcome::not_found:
        return send(shlink_short_url_not_found(code));
      case visits_deletion_result::outcome::unavailable:
        return send(unavailable(r.error));
    }
  };
}

}  // namespace

void shlink_delete_short_url_visits(shlink_call call, const std::string& code) {
  if (call.view == nullptr) return call.send(unavailable(kLinksOff));
  visits_deletion_sources sources = deletion_sources(call);
  delete_link_visits(sources, code, deletion_answer(std::move(call), code));
}

void shlink_delete_orphan_visits(shlink_call call) {
  visits_deletion_sources sources = deletion_sources(call);
  delete_orphan_visits(sources, deletion_answer(std::move(call), {}));
}

}  // namespace linkly
