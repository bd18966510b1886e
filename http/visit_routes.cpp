#include "http/visit_routes.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/link_service.hpp"
#include "http/analytics_routes.hpp"
#include "http/reply_response.hpp"
#include "http/visit_query.hpp"
#include "http/visits_deletion.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"
#include "schemas/orphan_visit.hpp"
#include "storage/event_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <utility>

namespace linkly {

namespace {

constexpr std::string_view kVisitsOff = "visits are unavailable: analytics or clicks are off";
constexpr std::string_view kReadFailed = "the clicks log could not be read";

http_response unavailable(std::string_view message) {
  return error_response(http_status::service_unavailable, message);
}

boost::json::value text_or_null(const std::string& s) {
  if (s.empty()) return nullptr;
  return boost::json::value(s);
}

boost::json::object counts_json(const visit_counts& c) {
  return {{"total", c.total}, {"non_bots", c.total - c.bots}, {"bots", c.bots}};
}

// Reads each visit of `page` from the clicks log and renders it with
// `render(env, ref, &item)`; false if a read or a decode fails.
template <class Render>
bool visit_items(const event_log& clicks, const visit_page& page, const Render& render,
                 boost::json::array* out) {
  out->reserve(page.refs.size());
  for (const visit_ref& ref : page.refs) {
    envelope env;
    if (!clicks.get(ref.seq(), &env)) return false;
    boost::json::object item;
    if (!render(env, &item)) return false;
    out->push_back(std::move(item));
  }
  return true;
}

boost::json::object page_json(const visit_query& q, const visit_page& page,
                              boost::json::array items) {
  const std::uint64_t pages = (page.matched + q.per_page - 1) / q.per_page;
  boost::json::object body;
  body["visits"] = std::move(items);
  body["page"] = q.page;
  body["per_page"] = q.per_page;
  body["pages"] = pages;
  body["total"] = page.matched;
  return body;
}

bool click_item(const envelope& env, boost::json::object* item) {
  click_recorded click;
  if (!decode_click(env, &click)) return false;
  (*item)["at"] = format_utc_ms(click.clicked_at_ms);
  (*item)["referrer"] = text_or_null(click.referrer);
  (*item)["user_agent"] = text_or_null(click.user_agent);
  (*item)["country"] = text_or_null(click.country);
  (*item)["potential_bot"] = click.potential_bot;
  return true;
}

bool orphan_item(const envelope& env, boost::json::object* item) {
  orphan_visit visit;
  if (!decode_orphan_visit(env, &visit)) return false;
  (*item)["at"] = format_utc_ms(visit.visited_at_ms);
  (*item)["referrer"] = text_or_null(visit.referrer);
  (*item)["user_agent"] = text_or_null(visit.user_agent);
  (*item)["country"] = text_or_null(visit.country);
  (*item)["potential_bot"] = visit.potential_bot;
  (*item)["visited_url"] = visit.visited_url;
  (*item)["type"] = to_string(visit.kind);
  return true;
}

}  // namespace

void link_visits_route(std::string code, std::string_view raw_query, const router_context& ctx,
                       response_sender send) {
  visit_query q;
  std::string error;
  if (!parse_visit_query(raw_query, &q, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  if (!is_code_syntax(code)) return send(link_not_found_response());
  const analytics_reader* analytics = ctx.sources.analytics;
  const event_log* clicks = ctx.sources.clicks_log;
  if (analytics == nullptr || clicks == nullptr) return send(unavailable(kVisitsOff));
  // The current life's visits; a code that is not live shows its last life's.
  const std::uint64_t incarnation = current_incarnation(ctx, code);
  visit_page page;
  analytics->list_visits(code, incarnation, q.filter, &page);
  boost::json::array items;
  if (!visit_items(*clicks, page, click_item, &items)) return send(unavailable(kReadFailed));
  boost::json::object body = page_json(q, page, std::move(items));
  body["code"] = code;
  http_response ok = json_response(http_status::ok, body);
  if (incarnation != kLatestIncarnation) return send(std::move(ok));
  // Not live: deleted (its visits are still listed) or never created (404),
  // as the stats route decides it.
  if (ctx.links == nullptr) {
    return send(page.matched > 0 ? std::move(ok) : link_not_found_response());
  }
  ctx.links->history(std::move(code), 0, 0,
                     [send = std::move(send), ok = std::move(ok)](history_reply reply) mutable {
                       if (!reply.ok()) return send(reply_error_response(reply));
                       send(std::move(ok));
                     });
}

void visits_overview_route(const router_context& ctx, const response_sender& send) {
  const analytics_reader* analytics = ctx.sources.analytics;
  if (analytics == nullptr) return send(unavailable(kVisitsOff));
  visit_counts links;
  visit_counts orphans;
  analytics->overview(&links, &orphans);
  boost::json::object body{{"visits", counts_json(links)}, {"orphan_visits", counts_json(orphans)}};
  send(json_response(http_status::ok, body));
}

void orphan_visits_route(std::string_view raw_query, const router_context& ctx,
                         const response_sender& send) {
  visit_query q;
  std::string error;
  if (!parse_visit_query(raw_query, &q, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  const analytics_reader* analytics = ctx.sources.analytics;
  const event_log* clicks = ctx.sources.clicks_log;
  if (analytics == nullptr || clicks == nullptr) return send(unavailable(kVisitsOff));
  visit_page page;
  analytics->list_orphans(q.filter, &page);
  boost::json::array items;
  if (!visit_items(*clicks, page, orphan_item, &items)) return send(unavailable(kReadFailed));
  send(json_response(http_status::ok, page_json(q, page, std::move(items))));
}

namespace {

visits_deletion_sources deletion_sources(const router_context& ctx, const request_info& info) {
  return {ctx.view, ctx.clicks, ctx.sources.analytics, info.worker};
}

// The answer to a deletion: 200 with `body` and "deleted_visits", else 404
// or 503 with why.
visits_deletion_callback deletion_answer(response_sender send, boost::json::object body) {
  return [send = std::move(send), body = std::move(body)](visits_deletion_result r) mutable {
    switch (r.result) {
      case visits_deletion_result::outcome::deleted:
        body["deleted_visits"] = r.removed;
        return send(json_response(http_status::ok, body));
      case visits_deletion_result::outcome::not_found:
        return send(link_not_found_response());
      case visits_deletion_result::outcome::unavailable:
        return send(unavailable(r.error));
    }
  };
}

}  // namespace

void delete_link_visits_route(std::string code, const router_context& ctx, const request_info& info,
                              response_sender send) {
  boost::json::object body{{"code", code}};
  delete_link_visits(deletion_sources(ctx, info), code,
                     deletion_answer(std::move(send), std::move(body)));
}

void delete_orphan_visits_route(const router_context& ctx, const request_info& info,
                                response_sender send) {
  delete_orphan_visits(deletion_sources(ctx, info), deletion_answer(std::move(send), {}));
}

}  // namespace linkly
