#include "http/redirect.hpp"

#include "actors/click_service.hpp"
#include "actors/read_view.hpp"
#include "http/click_batcher.hpp"
#include "http/click_capture.hpp"
#include "http/error_messages.hpp"
#include "http/location.hpp"
#include "http/log_throttle.hpp"
#include "http/metrics.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
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

void submit_one(click_service& clicks, envelope env) {
  std::vector<envelope> one;
  one.push_back(std::move(env));
  clicks.submit(std::move(one));
}

}  // namespace

click_recorded capture_click(const http_request& req, const click_headers& names,
                             std::string_view client_address, std::string code,
                             std::string link_url, std::uint32_t link_version,
                             std::int64_t now_ms) {
  click_recorded click;
  click.code = std::move(code);
  click.clicked_at_ms = now_ms;
  click.link_version = link_version;
  click.url = std::move(link_url);
  click_header_values values;
  if (!names.country.empty()) values.country = req[names.country];
  if (!names.latitude.empty()) values.latitude = req[names.latitude];
  if (!names.longitude.empty()) values.longitude = req[names.longitude];
  values.referrer = req[http::field::referer];
  values.user_agent = req[http::field::user_agent];
  capture_click_fields(values, &click);
  click.client_address = client_address;
  return click;
}

void redirect(const std::string& code, const http_request& req, bool record_click,
              const router_context& ctx, const request_info& info, response_sender send) {
  if (ctx.view == nullptr) {
    return send(error_response(http_status::service_unavailable, error_message::kUnavailable));
  }
  if (!is_code_syntax(code)) return send(link_not_found_response());
  click_mode mode = click_mode::off;
  if (record_click && ctx.clicks != nullptr) mode = ctx.clicks->mode();

  // The response (and the click's url) are made from the stored record
  // under its read lock: the link itself is never copied.
  http_response res;
  if (mode == click_mode::off) {
    if (!ctx.view->read(code,
                        [&](const stored_link& l) { res = location_response(code, l.url()); })) {
      return send(link_not_found_response());
    }
    count_redirect(ctx);
    return send(std::move(res));
  }

  std::string url;
  std::uint32_t version = 0;
  if (!ctx.view->read(code, [&](const stored_link& l) {
        res = location_response(code, l.url());
        url.assign(l.url());
        version = l.version;
      })) {
    return send(link_not_found_response());
  }
  if (res.result() != http_status::found) return send(std::move(res));  // no click for it
  envelope env = make_click_envelope(capture_click(req, ctx.click_headers, info.client_address,
                                                   code, std::move(url), version, now_utc_ms()));
  if (mode == click_mode::queued) {
    if (info.batcher != nullptr) {
      info.batcher->add(std::move(env));
    } else {
      submit_one(*ctx.clicks, std::move(env));
    }
    count_redirect(ctx);
    return send(std::move(res));
  }

  // inline_write: the answer waits for the write, whatever its outcome.
  std::vector<envelope> one;
  one.push_back(std::move(env));
  ctx.clicks->write_now(std::move(one), [send = std::move(send), res = std::move(res),
                                         metrics = ctx.metrics](reply_status written) mutable {
    if (!written.ok()) warn_click_write_failed(written.error);
    if (metrics != nullptr) metrics->redirects.fetch_add(1, std::memory_order_relaxed);
    send(std::move(res));
  });
}

}  // namespace linkly
