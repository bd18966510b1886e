#include "http/redirect.hpp"

#include "actors/click_service.hpp"
#include "actors/read_view.hpp"
#include "http/click_batcher.hpp"
#include "http/click_capture.hpp"
#include "http/error_messages.hpp"
#include "http/location.hpp"
#include "http/log_throttle.hpp"
#include "http/metrics.hpp"
#include "http/orphan_capture.hpp"
#include "http/redirect_miss.hpp"
#include "http/visit_count.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"

#include <spdlog/spdlog.h>
#include <boost/beast/core/string.hpp>

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linkly {

namespace {

namespace http = boost::beast::http;

constexpr std::chrono::milliseconds kWarnInterval{10'000};

void count_redirect(const router_context& ctx) {
  if (ctx.metrics != nullptr) ctx.metrics->redirects.fetch_add(1, std::memory_order_relaxed);
}

// At most one warning per interval over all threads, however many fail.
void warn_click_write_failed(const std::string& why) {
  static log_throttle throttle(kWarnInterval);
  if (std::uint64_t failed = throttle.note()) {
    spdlog::warn("http: {} click write(s) failed (inline mode); the redirects were answered: {}",
                 failed, why);
  }
}

// Records a redirect miss as an orphan visit, through the same bounded
// queue as clicks (in every click mode: a miss never waits for a write).
void record_orphan(const http_request& req, orphan_kind kind, const router_context& ctx,
                   const request_info& info) {
  envelope env = capture_orphan(req, ctx.click_headers, info.client_address, kind, now_utc_ms());
  if (info.batcher != nullptr) {
    info.batcher->add(std::move(env));
  } else {
    submit_click(*ctx.clicks, std::move(env));
  }
}

// A link that exists but is outside its window or past its visits.
http_response unavailable_response(const router_context& ctx) {
  if (ctx.unavailable_redirect_url.empty()) return link_not_found_response();
  return redirect_response(ctx.unavailable_redirect_url);
}

}  // namespace

envelope capture_click(const http_request& req, const click_headers& names,
                       std::string_view client_address, std::string code, std::string_view link_url,
                       std::uint32_t link_version, std::uint64_t incarnation, std::int64_t now_ms,
                       std::string payload_buffer) {
  // One pass over the request's fields, not a lookup per header (each a
  // case-blind search of the whole set): the first of each name is taken,
  // as req[name] would. A view with no data is a header not (yet) found.
  click_header_values values;
  for (const auto& field : req) {
    const std::string_view name = field.name_string();
    const std::string_view value = field.value();
    auto take = [&](std::string_view wanted, std::string_view* into) {
      if (into->data() == nullptr && !wanted.empty() && boost::beast::iequals(name, wanted)) {
        *into = value;
      }
    };
    take(names.country, &values.country);
    take(names.latitude, &values.latitude);
    take(names.longitude, &values.longitude);
    const http::field known = field.name();
    if (known == http::field::referer && values.referrer.data() == nullptr) values.referrer = value;
    if (known == http::field::user_agent && values.user_agent.data() == nullptr) {
      values.user_agent = value;
    }
  }
  // Encoded straight from the request's header bytes and the link's url:
  // the payload is the click's one copy.
  std::string country;
  click_view click;
  capture_click_view(values, &country, &click);
  click.link_version = link_version;
  click.incarnation = incarnation;
  click.url = link_url;
  click.client_address = client_address;
  return make_click_envelope(std::move(code), now_ms, click, std::move(payload_buffer));
}

void submit_click(click_service& clicks, envelope click) {
  std::vector<envelope> one;
  one.push_back(std::move(click));
  clicks.submit(std::move(one));
}

void send_after_click_write(click_service& clicks, envelope click, http_response res,
                            http_metrics* metrics, response_sender send) {
  std::vector<envelope> one;
  one.push_back(std::move(click));
  clicks.write_now(std::move(one), [send = std::move(send), res = std::move(res),
                                    metrics](reply_status written) mutable {
    if (!written.ok()) warn_click_write_failed(written.error);
    if (metrics != nullptr) metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    send(std::move(res));
  });
}

std::string_view query_of(std::string_view target) {
  const std::size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

void with_query(std::string_view url, std::string_view query, std::string* out) {
  const std::size_t hash = url.find('#');
  const std::string_view base = url.substr(0, hash);
  out->clear();
  out->reserve(url.size() + query.size() + 1);
  out->append(base);
  if (base.find('?') == std::string_view::npos) {
    *out += '?';
  } else if (base.back() != '?' && base.back() != '&') {
    *out += '&';
  }
  out->append(query);
  if (hash != std::string_view::npos) out->append(url.substr(hash));
}

std::string with_query(std::string_view url, std::string_view query) {
  std::string out;
  with_query(url, query, &out);
  return out;
}

void redirect(const std::string& code, const http_request& req, bool record_click,
              const router_context& ctx, const request_info& info, response_sender send) {
  if (ctx.view == nullptr) {
    return send(error_response(http_status::service_unavailable, error_message::kUnavailable));
  }
  click_mode mode = click_mode::off;
  if (record_click && ctx.clicks != nullptr) mode = ctx.clicks->mode();
  if (!is_code_syntax(code)) {
    if (mode != click_mode::off) record_orphan(req, orphan_kind::regular_404, ctx, info);
    return send(link_not_found_response());
  }
  const std::string_view query = query_of(req.target());

  // The response, and the click, are made from the stored record under its
  // read lock: the link itself is never copied. A link without extras (the
  // defaults: no window, no limit, the query forwarded) skips every check;
  // a max_visits check reads its life's cell of the analytics projection
  // (http/visit_count.hpp: no lock once found; the first time, a read lock
  // there, and nothing holds that one while waiting for a link's), and a
  // redirect that records a click takes its visit there.
  http_response res;
  envelope env;
  bool unavailable = false;
  auto answer = [&](const stored_link& l) {
    const std::int64_t now = l.has_extras() || mode != click_mode::off ? now_utc_ms() : 0;
    const link_attributes* attrs = l.has_extras() ? &l.attrs() : nullptr;
    if (attrs != nullptr && !within_window(*attrs, now)) {
      unavailable = true;  // no click for it
      return;
    }
    if ((attrs == nullptr || attrs->forward_query) && !query.empty()) {
      // The forwarded Location is built in this thread's buffer, which keeps
      // its capacity: the response copies it, so no string per redirect.
      thread_local std::string location;
      with_query(l.url(), query, &location);
      res = location_response(code, location);
    } else {
      res = location_response(code, l.url());
    }
    // Judged once the answer is known to redirect: a stored url that fails
    // the url rules again answers 500, and takes no visit.
    if (attrs != nullptr && attrs->max_visits && res.result() == http_status::found &&
        !under_visit_limit(ctx.sources, code, l, *attrs->max_visits, mode != click_mode::off)) {
      unavailable = true;
      return;
    }
    if (mode != click_mode::off && res.result() == http_status::found) {
      std::string buffer;
      if (mode == click_mode::queued && info.batcher != nullptr)
        buffer = info.batcher->payload_buffer();
      env = capture_click(req, ctx.click_headers, info.client_address, code, l.url(), l.version,
                          l.incarnation(), now, std::move(buffer));
    }
  };
  if (!ctx.view->read(code, answer)) {
    // Cluster mode: perhaps created on another node and not copied here yet.
    if (ctx.sources.missed_codes != nullptr &&
        redirect_after_lookup(code, req, mode, ctx, info, send)) {
      return;
    }
    if (mode != click_mode::off) record_orphan(req, orphan_kind::invalid_short_url, ctx, info);
    return send(link_not_found_response());
  }
  if (unavailable) return send(unavailable_response(ctx));
  if (mode == click_mode::off || res.result() != http_status::found) {
    if (res.result() == http_status::found) count_redirect(ctx);
    return send(std::move(res));  // no click for it
  }
  if (mode == click_mode::queued) {
    if (info.batcher != nullptr) {
      info.batcher->add(std::move(env));
    } else {
      submit_click(*ctx.clicks, std::move(env));
    }
    count_redirect(ctx);
    return send(std::move(res));
  }

  // inline_write: the answer waits for the write, whatever its outcome.
  send_after_click_write(*ctx.clicks, std::move(env), std::move(res), ctx.metrics, std::move(send));
}

}  // namespace linkly
