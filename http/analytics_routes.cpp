#include "http/analytics_routes.hpp"

#include "actors/link_service.hpp"
#include "actors/read_view.hpp"
#include "http/error_messages.hpp"
#include "http/link_json.hpp"
#include "http/reply_response.hpp"
#include "schemas/link_rules.hpp"
#include "storage/event_log.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>

namespace linkly {

namespace {

constexpr std::string_view kAnalyticsOff = "analytics are unavailable";

http_response unavailable_response(std::string_view message) {
  return error_response(http_status::service_unavailable, message);
}

boost::json::object counters_json(const std::map<std::string, std::uint64_t>& counters) {
  boost::json::object out;
  out.reserve(counters.size());
  for (const auto& [key, n] : counters) out[key] = n;
  return out;
}

}  // namespace

std::uint64_t current_incarnation(const router_context& ctx, std::string_view code) {
  std::uint64_t incarnation = kLatestIncarnation;
  if (ctx.view != nullptr) {
    ctx.view->read(code, [&](const stored_link& l) { incarnation = l.incarnation(); });
  }
  return incarnation;
}

boost::json::object freshness_json(const std::vector<log_position>& positions) {
  boost::json::object out;
  for (const log_position& p : positions) {
    out[p.log] = boost::json::object{{"checkpoint", p.checkpoint}, {"head", p.head}};
  }
  return out;
}

boost::json::object daily_json(const std::vector<daily_count>& rows) {
  boost::json::array items;
  items.reserve(rows.size());
  for (const daily_count& row : rows) {
    items.emplace_back(boost::json::object{{"day", row.day}, {"count", row.count}});
  }
  boost::json::object out;
  out["rows"] = std::move(items);
  out["row_count"] = rows.size();
  return out;
}

boost::json::object stats_json(std::string_view code, const link_stats& stats) {
  boost::json::object out{{"code", code},
                          {"total", stats.total},
                          {"bots", stats.bots},
                          {"non_bots", stats.total - stats.bots},
                          {"by_day", counters_json(stats.by_day)},
                          {"by_country", counters_json(stats.by_country)},
                          {"by_referrer", counters_json(stats.by_referrer)}};
  if (stats.truncated) out["truncated"] = true;
  return out;
}

bool parse_as_of(const std::string& raw, std::uint64_t* out, std::string* error) {
  bool digits = !raw.empty() &&
                std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::uint64_t value = 0;
  if (digits) {
    auto r = std::from_chars(raw.data(), raw.data() + raw.size(), value);
    digits = r.ec == std::errc() && r.ptr == raw.data() + raw.size();
  }
  if (!digits || value == 0) {
    *error = "invalid as_of: use a links log sequence number (a positive integer)";
    return false;
  }
  *out = value;
  return true;
}

void add_click_total(const analytics_reader* analytics, const link_info& link,
                     boost::json::object* body, bool with_freshness) {
  if (analytics == nullptr) return;
  // Freshness first: the counts then reflect at least that checkpoint.
  boost::json::object freshness;
  if (with_freshness) freshness = freshness_json(analytics->freshness());
  const visit_counts visits = analytics->visits_of(link.code, link.incarnation);
  (*body)["clicks"] = visits.total;
  (*body)["visits"] = {
      {"total", visits.total}, {"non_bots", visits.total - visits.bots}, {"bots", visits.bots}};
  if (with_freshness) (*body)["freshness"] = std::move(freshness);
}

void daily_analytics(const router_context& ctx, const response_sender& send) {
  const analytics_reader* analytics = ctx.sources.analytics;
  if (analytics == nullptr) return send(unavailable_response(kAnalyticsOff));
  // Freshness first: the rows then reflect at least that checkpoint.
  auto freshness = freshness_json(analytics->freshness());
  std::vector<daily_count> rows;
  if (status st = analytics->daily(&rows); !st) {
    return send(unavailable_response("the analytics store could not be read"));
  }
  boost::json::object body = daily_json(rows);
  body["freshness"] = std::move(freshness);
  send(json_response(http_status::ok, body));
}

void link_stats_route(std::string code, const router_context& ctx, response_sender send) {
  if (!is_code_syntax(code)) return send(link_not_found_response());
  const analytics_reader* analytics = ctx.sources.analytics;
  if (analytics == nullptr) return send(unavailable_response(kAnalyticsOff));
  auto freshness = freshness_json(analytics->freshness());
  // The current incarnation's stats; a code that is not live shows its last life's.
  const std::uint64_t incarnation = current_incarnation(ctx, code);
  const bool is_live = incarnation != kLatestIncarnation;
  link_stats stats;
  if (status st = analytics->stats(code, incarnation, &stats, kMaxStatsEntries); !st) {
    return send(unavailable_response("the analytics store could not be read"));
  }
  boost::json::object body = stats_json(code, stats);
  body["freshness"] = std::move(freshness);
  http_response ok = json_response(http_status::ok, body);

  if (is_live) return send(std::move(ok));
  // Not live: deleted (stats still served) or never created (404). Only the
  // link's shard can tell, from its table: a history page of no events
  // reads nothing from the log. Its callback just picks one of two ready
  // answers.
  if (ctx.links == nullptr) {
    return send(stats.total > 0 ? std::move(ok) : link_not_found_response());
  }
  ctx.links->history(std::move(code), 0, 0,
                     [send = std::move(send), ok = std::move(ok)](history_reply reply) mutable {
                       // Known (live or deleted): its stats; never used: not_found.
                       if (!reply.ok()) return send(reply_error_response(reply));
                       send(std::move(ok));
                     });
}

void link_as_of_route(std::string code, const std::string& raw, const router_context& ctx,
                      response_sender send) {
  std::uint64_t as_of = 0;
  std::string error;
  if (!parse_as_of(raw, &as_of, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  // Past the head the answer could still change; refuse rather than guess.
  if (ctx.sources.links_log != nullptr) {
    std::uint64_t head = ctx.sources.links_log->highest_seq();
    if (as_of > head) {
      return send(
          error_response(http_status::bad_request,
                         "invalid as_of: beyond the links log head " + std::to_string(head)));
    }
  }
  if (!is_code_syntax(code)) return send(link_not_found_response());
  if (ctx.links == nullptr) return send(unavailable_response(error_message::kUnavailable));
  // The shard finds the (at most two) events that decide it; no fold over
  // the whole history.
  ctx.links->link_as_of(
      code, as_of, [send = std::move(send), base = ctx.short_url_base, as_of](as_of_reply reply) {
        if (!reply.ok()) return send(reply_error_response(reply));
        if (!reply.live) return send(link_not_found_response());
        boost::json::object body = link_json(reply.link, base);
        body["as_of"] = as_of;
        send(json_response(http_status::ok, body));
      });
}

}  // namespace linkly
