#include "http/redirect_miss.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/miss_lookup.hpp"
#include "http/click_batcher.hpp"
#include "http/io_worker.hpp"
#include "http/location.hpp"
#include "http/metrics.hpp"
#include "http/orphan_capture.hpp"
#include "http/redirect.hpp"
#include "http/visit_count.hpp"
#include "schemas/clock.hpp"

#include <memory>
#include <utility>
#include <vector>

namespace linkly {

namespace {

// What the answer needs of the request and the router once the call that
// took it has returned: neither outlives it. Pointers are to the server's
// and the engine's parts, which outlive every lookup (the engine stops its
// lookups first).
struct pending_miss {
  http_request req;
  std::string code;
  std::string client_address;
  click_mode mode = click_mode::off;
  click_service* clicks = nullptr;
  http_metrics* metrics = nullptr;
  const analytics_reader* analytics = nullptr;
  click_headers headers;
  std::string unavailable_redirect_url;
  response_sender send;
  // The connection's io thread, whose batcher spools a click before it is
  // queued. Null in tests.
  io_worker* worker = nullptr;
};

// Records `env` (a click or an orphan visit) as the io thread's redirects
// do, then answers `res`: on the connection's io thread, through its
// batcher, which spools the click first, so a kill after the answer cannot
// lose it. Without a worker (tests), or once the server has stopped (its
// gate closed), the click is submitted on its own.
void record_then_send(const std::shared_ptr<pending_miss>& m, envelope env, http_response res) {
  struct answer {
    envelope env;
    http_response res;
  };
  auto a = std::make_shared<answer>(answer{std::move(env), std::move(res)});
  if (m->worker != nullptr && m->worker->post([m, a] {
        if (click_batcher* batcher = m->worker->batcher()) {
          batcher->add(std::move(a->env));
        } else {
          submit_click(*m->clicks, std::move(a->env));
        }
        m->send(std::move(a->res));
      })) {
    return;
  }
  submit_click(*m->clicks, std::move(a->env));
  m->send(std::move(a->res));
}

void answer_absent(const std::shared_ptr<pending_miss>& m) {
  if (m->mode == click_mode::off) return m->send(link_not_found_response());
  record_then_send(m,
                   capture_orphan(m->req, m->headers, m->client_address,
                                  orphan_kind::invalid_short_url, now_utc_ms()),
                   link_not_found_response());
}

// As redirect() answers a live link, from the stream's copy of it.
void answer_found(const std::shared_ptr<pending_miss>& mp, const link_info& link) {
  pending_miss& m = *mp;
  const std::int64_t now = now_utc_ms();
  const bool has_attrs = link.attrs != link_attributes{};
  auto unavailable = [&] {
    // No click for it, as on the normal path.
    m.send(m.unavailable_redirect_url.empty() ? link_not_found_response()
                                              : redirect_response(m.unavailable_redirect_url));
  };
  if (has_attrs && !within_window(link.attrs, now)) return unavailable();
  const std::string_view query = query_of(m.req.target());
  http_response res = link.attrs.forward_query && !query.empty()
                          ? location_response(m.code, with_query(link.url, query))
                          : location_response(m.code, link.url);
  // Judged once the answer is known to redirect, as redirect() does.
  if (has_attrs && link.attrs.max_visits && res.result() == http_status::found &&
      // The same cell of its life as the view's link will find, so the visit
      // taken here counts there too.
      !under_visit_limit(m.analytics, m.code, link.incarnation, *link.attrs.max_visits,
                         m.mode != click_mode::off)) {
    return unavailable();
  }
  if (m.mode == click_mode::off || res.result() != http_status::found) {
    if (res.result() == http_status::found && m.metrics != nullptr) {
      m.metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    }
    return m.send(std::move(res));
  }
  envelope env = capture_click(m.req, m.headers, m.client_address, m.code, link.url, link.version,
                               link.incarnation, now);
  if (m.mode == click_mode::queued) {
    if (m.metrics != nullptr) m.metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    return record_then_send(mp, std::move(env), std::move(res));
  }
  // inline_write: the answer waits for the write, whatever its outcome.
  send_after_click_write(*m.clicks, std::move(env), std::move(res), m.metrics, m.send);
}

}  // namespace

bool redirect_after_lookup(const std::string& code, const http_request& req, click_mode mode,
                           const router_context& ctx, const request_info& info,
                           const response_sender& send) {
  miss_lookup* lookups = ctx.sources.missed_codes;
  if (lookups == nullptr) return false;
  // Shared: the callback is copyable (std::function); the request is copied
  // once, for the click or orphan visit its answer records.
  auto m = std::make_shared<pending_miss>();
  m->req = req;
  m->code = code;
  m->client_address.assign(info.client_address);
  m->mode = mode;
  m->clicks = ctx.clicks;
  m->metrics = ctx.metrics;
  m->analytics = ctx.sources.analytics;
  m->headers = ctx.click_headers;
  m->unavailable_redirect_url = ctx.unavailable_redirect_url;
  m->send = send;
  m->worker = info.worker;
  return lookups->submit(code, [m](miss_result result, const link_info& link) {
    if (result == miss_result::found) return answer_found(m, link);
    answer_absent(m);
  });
}

}  // namespace linkly
