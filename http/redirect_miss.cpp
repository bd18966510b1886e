#include "http/redirect_miss.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/miss_lookup.hpp"
#include "actors/visit_cell.hpp"
#include "http/location.hpp"
#include "http/log_throttle.hpp"
#include "http/metrics.hpp"
#include "http/orphan_capture.hpp"
#include "http/redirect.hpp"
#include "schemas/clock.hpp"

#include <spdlog/spdlog.h>

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
};

void submit_one(click_service& clicks, envelope env) {
  std::vector<envelope> one;
  one.push_back(std::move(env));
  clicks.submit(std::move(one));
}

// As under_visit_limit (http/visit_count.hpp) for a link the view does not
// hold: the same cell of its life, so the visit a click takes here counts
// there too once the replica has the link.
bool under_limit(const analytics_reader* analytics, std::string_view code,
                 std::uint64_t incarnation, std::uint64_t limit, bool take) {
  if (analytics == nullptr) return true;  // not known: not enforced
  if (const visit_cell* cell = analytics->watch(code, incarnation)) {
    return take ? cell->take(limit) : cell->visits() < limit;
  }
  return analytics->visits_of(code, incarnation).total < limit;
}

void answer_absent(const pending_miss& m) {
  if (m.mode != click_mode::off) {
    submit_one(*m.clicks, capture_orphan(m.req, m.headers, m.client_address,
                                         orphan_kind::invalid_short_url, now_utc_ms()));
  }
  m.send(link_not_found_response());
}

// As redirect() answers a live link, from the stream's copy of it.
void answer_found(pending_miss& m, const link_info& link) {
  const std::int64_t now = now_utc_ms();
  if (link.attrs != link_attributes{}) {
    const bool take = m.mode != click_mode::off;
    if (!within_window(link.attrs, now) ||
        (link.attrs.max_visits &&
         !under_limit(m.analytics, m.code, link.incarnation, *link.attrs.max_visits, take))) {
      // No click for it, as on the normal path.
      return m.send(m.unavailable_redirect_url.empty()
                        ? link_not_found_response()
                        : redirect_response(m.unavailable_redirect_url));
    }
  }
  const std::string_view query = query_of(m.req.target());
  http_response res = link.attrs.forward_query && !query.empty()
                          ? location_response(m.code, with_query(link.url, query))
                          : location_response(m.code, link.url);
  if (m.mode == click_mode::off || res.result() != http_status::found) {
    if (res.result() == http_status::found && m.metrics != nullptr) {
      m.metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    }
    return m.send(std::move(res));
  }
  envelope env = capture_click(m.req, m.headers, m.client_address, m.code, link.url, link.version,
                               link.incarnation, now);
  if (m.mode == click_mode::queued) {
    submit_one(*m.clicks, std::move(env));
    if (m.metrics != nullptr) m.metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    return m.send(std::move(res));
  }
  // inline_write: the answer waits for the write, whatever its outcome.
  std::vector<envelope> one;
  one.push_back(std::move(env));
  m.clicks->write_now(std::move(one), [send = m.send, res = std::move(res),
                                       metrics = m.metrics](reply_status written) mutable {
    if (!written.ok()) {
      static log_throttle throttle(std::chrono::milliseconds(10'000));
      if (std::uint64_t failed = throttle.note()) {
        spdlog::warn(
            "http: {} click write(s) failed (inline mode); the redirects were answered: {}", failed,
            written.error);
      }
    }
    if (metrics != nullptr) metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    send(std::move(res));
  });
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
  return lookups->submit(code, [m](miss_result result, const link_info& link) {
    if (result == miss_result::found) return answer_found(*m, link);
    answer_absent(*m);
  });
}

}  // namespace linkly
