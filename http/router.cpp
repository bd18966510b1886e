#include "http/router.hpp"

#include "actors/click_service.hpp"
#include "actors/event_bus.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_status.hpp"
#include "actors/read_view.hpp"
#include "http/admission.hpp"
#include "http/analytics_routes.hpp"
#include "http/api_key_routes.hpp"
#include "http/auth.hpp"
#include "http/dlq_routes.hpp"
#include "http/error_messages.hpp"
#include "http/history_routes.hpp"
#include "http/io_worker.hpp"
#include "http/json_body.hpp"
#include "http/link_json.hpp"
#include "http/metrics.hpp"
#include "http/qr_routes.hpp"
#include "http/redirect.hpp"
#include "http/reply_response.hpp"
#include "http/robots.hpp"
#include "http/routes.hpp"
#include "http/shlink_routes.hpp"
#include "http/sse_stream.hpp"
#include "http/store_health.hpp"
#include "http/stream_routes.hpp"
#include "http/ui_routes.hpp"
#include "http/visit_routes.hpp"
#include "schemas/link_rules.hpp"

#include <boost/json/value.hpp>

#include <optional>
#include <utility>

namespace linkly {

namespace {

namespace http = boost::beast::http;

http_response unavailable_response() {
  return error_response(http_status::service_unavailable, error_message::kUnavailable);
}

http_response metrics_response(const router_context& ctx) {
  http_response res{http_status::ok, 11};
  res.set(http::field::content_type, "text/plain; version=0.0.4");
  res.set(http::field::cache_control, "no-store");
  res.body() = render_metrics(ctx.metrics, ctx.clicks ? &ctx.clicks->metrics() : nullptr,
                              ctx.links ? ctx.links->journal_writes() : nullptr);
  stream_metrics streams;
  if (ctx.sources.click_events != nullptr)
    streams.click_dropped = ctx.sources.click_events->dropped();
  if (ctx.click_listeners != nullptr) streams.click_listeners = ctx.click_listeners->used();
  if (ctx.event_streams != nullptr) streams.event_streams = ctx.event_streams->used();
  append_stream_metrics(&res.body(), streams);
  if (ctx.sources.projections) append_projection_metrics(&res.body(), ctx.sources.projections());
  append_store_metrics(&res.body(), ctx.sources);
  res.prepare_payload();
  return res;
}

// Cluster mode: the node follows a links stream (its 503s to writes say
// when to try again).
bool is_clustered(const router_context& ctx) {
  return static_cast<bool>(ctx.sources.stream_problem);
}

void get_link(const std::string& code, const router_context& ctx, const response_sender& send) {
  if (ctx.view == nullptr) return send(unavailable_response());
  link_info link;
  if (is_code_syntax(code) && ctx.view->find(code, &link)) {
    boost::json::object body = link_json(link, ctx.short_url_base);
    add_click_total(ctx.sources.analytics, link, &body);
    return send(json_response(http_status::ok, body));
  }
  send(link_not_found_response());
}

void create(const http_request& req, const router_context& ctx, response_sender send) {
  create_link cmd;
  std::string error;
  if (!parse_create_body(req.body(), &cmd, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  if (ctx.links == nullptr) return send(unavailable_response());
  ctx.links->create(std::move(cmd), [send = std::move(send), base = ctx.short_url_base,
                                     clustered = is_clustered(ctx)](command_reply reply) {
    if (!reply.ok()) return send(write_error_response(reply, clustered));
    http_response res = json_response(http_status::created, created_link_json(reply.link, base));
    res.set(http::field::location, "/links/" + reply.link.code);
    send(std::move(res));
  });
}

void update(const http_request& req, std::string code, const router_context& ctx,
            const request_info& info, response_sender send) {
  if (!is_code_syntax(code)) return send(link_not_found_response());
  update_link cmd;
  std::string error;
  if (!parse_update_body(req.body(), &cmd, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  if (ctx.links == nullptr) return send(unavailable_response());
  cmd.code = std::move(code);
  // The answer is GET's object: the click total is a store read, made on
  // the io thread (as the list's are), not on the link actor's.
  ctx.links->update(std::move(cmd), [send = std::move(send), base = ctx.short_url_base,
                                     analytics = ctx.sources.analytics, worker = info.worker,
                                     clustered = is_clustered(ctx)](command_reply reply) mutable {
    if (!reply.ok()) return send(write_error_response(reply, clustered));
    auto answer = [send = std::move(send), base = std::move(base), analytics,
                   link = std::move(reply.link)] {
      boost::json::object body = link_json(link, base);
      add_click_total(analytics, link, &body);
      send(json_response(http_status::ok, body));
    };
    if (analytics == nullptr || worker == nullptr) return answer();
    worker->post(std::move(answer));
  });
}

void remove(std::string code, const router_context& ctx, response_sender send) {
  if (!is_code_syntax(code)) return send(link_not_found_response());
  if (ctx.links == nullptr) return send(unavailable_response());
  ctx.links->remove(delete_link{std::move(code)},
                    [send = std::move(send), clustered = is_clustered(ctx)](command_reply reply) {
                      if (!reply.ok()) return send(write_error_response(reply, clustered));
                      send(no_content_response());
                    });
}

// Each entry carries its visits, as GET /links/{code} does, and the page
// one freshness for all of them.
boost::json::object page_with_clicks(const link_page& page, std::string_view short_url_base,
                                     const analytics_reader* analytics) {
  boost::json::object body = link_page_json(page, short_url_base);
  if (analytics == nullptr) return body;
  auto freshness = freshness_json(analytics->freshness());
  boost::json::array& items = body["links"].as_array();
  for (std::size_t i = 0; i < items.size() && i < page.links.size(); ++i) {
    add_click_total(analytics, page.links[i], &items[i].as_object(), /*with_freshness=*/false);
  }
  body["freshness"] = std::move(freshness);
  return body;
}

void list(const route_match& match, const router_context& ctx, const request_info& info,
          response_sender send) {
  std::size_t limit = 0;
  std::string error;
  if (!parse_limit(match.limit, &limit, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  std::vector<std::string> tags = match.tags;
  if (!tags.empty() && !normalize_tags(&tags, &error)) {
    return send(error_response(http_status::bad_request, "invalid tag: " + error));
  }
  if (ctx.links == nullptr) return send(unavailable_response());
  const analytics_reader* analytics = ctx.sources.analytics;
  ctx.links->list(match.after, limit, std::move(tags),
                  [send = std::move(send), base = ctx.short_url_base, analytics,
                   worker = info.worker](link_page page) mutable {
                    if (!page.ok()) return send(reply_error_response(page));
                    // The totals are store reads: on the io thread, not this actor's.
                    auto answer = [send = std::move(send), base = std::move(base), analytics,
                                   page = std::move(page)] {
                      send(json_response(http_status::ok, page_with_clicks(page, base, analytics)));
                    };
                    if (analytics == nullptr || worker == nullptr) return answer();
                    worker->post(std::move(answer));  // refused only once the server has stopped
                  });
}

}  // namespace

void handle_request(const http_request& req, const router_context& ctx, response_sender send,
                    const request_info& info) {
  // Every refusal a head alone decides is admit()'s; the session has
  // usually made it already, before reading the body.
  std::optional<admission> own;
  const admission* admitted = info.admitted;
  if (admitted == nullptr) {
    own = admit(req, ctx, ctx.limits);
    admitted = &*own;
  }
  if (admitted->refusal) {
    http_response refusal = *admitted->refusal;
    if (req.method() == http::verb::head) strip_body_for_head(&refusal);
    return send(std::move(refusal));
  }
  route_match match = own ? std::move(own->match) : admitted->match;
  http::verb method = req.method();
  if (method == http::verb::head) {
    method = http::verb::get;
    send.strip_body();  // no wrapper: nothing allocated for a HEAD either
  }
  switch (match.route) {
    case route_id::health:
      if (method == http::verb::get) return send(health_response(ctx.sources));
      break;
    case route_id::redirect:
      if (method == http::verb::get) {
        bool record_click = req.method() == http::verb::get;
        return redirect(match.code, req, record_click, ctx, info, std::move(send));
      }
      break;
    case route_id::qr_code:
      if (method == http::verb::get) return send(qr_code_response(match.code, match.query, ctx));
      break;
    case route_id::robots:
      if (method == http::verb::get) return robots_route(ctx, std::move(send));
      break;
    case route_id::metrics:
      if (method == http::verb::get) return send(metrics_response(ctx));
      break;
    case route_id::api_keys_collection:
      if (method == http::verb::get) return send(list_api_keys_response(ctx));
      if (method == http::verb::post) return send(create_api_key_response(req, ctx));
      break;
    case route_id::api_key_item:
      if (method == http::verb::delete_) return send(revoke_api_key_response(match.code, ctx));
      break;
    case route_id::dlq_collection:
      if (method == http::verb::get) return list_dead_letters(match, ctx, std::move(send));
      break;
    case route_id::dlq_redrive:
      if (method == http::verb::post) return redrive_dead_letters(req, ctx, std::move(send));
      break;
    case route_id::dlq_item:
      if (method == http::verb::delete_)
        return discard_dead_letter(match.code, ctx, std::move(send));
      break;
    case route_id::links_collection:
      if (method == http::verb::get) return list(match, ctx, info, std::move(send));
      if (method == http::verb::post) return create(req, ctx, std::move(send));
      break;
    case route_id::link_item:
      if (method == http::verb::get && match.as_of) {
        return link_as_of_route(std::move(match.code), *match.as_of, ctx, std::move(send));
      }
      if (method == http::verb::get) return get_link(match.code, ctx, send);
      if (method == http::verb::put)
        return update(req, std::move(match.code), ctx, info, std::move(send));
      if (method == http::verb::delete_) return remove(std::move(match.code), ctx, std::move(send));
      break;
    case route_id::link_history:
      if (method == http::verb::get) return history_route(std::move(match), ctx, std::move(send));
      break;
    case route_id::link_stats:
      if (method == http::verb::get) {
        return link_stats_route(std::move(match.code), ctx, std::move(send));
      }
      break;
    case route_id::link_visits:
      if (method == http::verb::get) {
        return link_visits_route(std::move(match.code), match.query, ctx, std::move(send));
      }
      if (method == http::verb::delete_) {
        return delete_link_visits_route(std::move(match.code), ctx, info, std::move(send));
      }
      break;
    case route_id::visits_overview:
      if (method == http::verb::get) return visits_overview_route(ctx, send);
      break;
    case route_id::orphan_visits:
      if (method == http::verb::get) return orphan_visits_route(match.query, ctx, send);
      if (method == http::verb::delete_) {
        return delete_orphan_visits_route(ctx, info, std::move(send));
      }
      break;
    case route_id::analytics_daily:
      if (method == http::verb::get) return daily_analytics(ctx, send);
      break;
    case route_id::clicks_summary:
      if (method == http::verb::get) return clicks_summary(ctx, send);
      break;
    case route_id::clicks_stream:
      if (method == http::verb::get) return clicks_stream(req, match, ctx, info, send);
      break;
    case route_id::events:
      if (method == http::verb::get) return events_stream(req, match, ctx, info, send);
      break;
    case route_id::login:
      if (method == http::verb::post) return send(login_response(req, ctx));
      break;
    case route_id::logout:
      if (method == http::verb::post) return send(logout_response(req, ctx));
      break;
    case route_id::ui:
      if (method == http::verb::get) return send(ui_asset_response(match.code, req));
      break;
    case route_id::shlink_rest:
      return handle_shlink_request(req, ctx, info, std::move(send));
    case route_id::links_import:
      // The session streams a POST's body into an import
      // (import_upload.hpp); one that gets here was not streamed.
      return send(error_response(http_status::service_unavailable, error_message::kUnavailable));
    case route_id::not_found:
    case route_id::bad_target:
      break;
  }
  // admit() let through only a method the table lists: a row without its
  // handler above.
  send(error_response(http_status::internal_server_error, "route without a handler"));
}

}  // namespace linkly
