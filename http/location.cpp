#include "http/location.hpp"

#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"

#include <spdlog/spdlog.h>

#include <atomic>

namespace linkly {

namespace {

// A damaged link is refused on every redirect to it; the log names it once
// per interval, so a busy bad link cannot flood the log.
constexpr std::int64_t kReportIntervalMs = 1'000;

void report_unsafe(std::string_view code) {
  static std::atomic<std::int64_t> last_reported_ms{0};
  static std::atomic<std::uint64_t> refused_since{0};
  std::uint64_t refused = refused_since.fetch_add(1, std::memory_order_relaxed) + 1;
  std::int64_t now = now_utc_ms();
  std::int64_t last = last_reported_ms.load(std::memory_order_relaxed);
  if (now - last < kReportIntervalMs) return;
  if (!last_reported_ms.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
  refused_since.fetch_sub(refused, std::memory_order_relaxed);
  // The code went through is_code_syntax: safe to print as it is.
  spdlog::error(
      "redirect: the stored url of link \"{}\" is not a safe redirect target (control "
      "characters or a foreign scheme: a damaged or tampered store?); answered 500 ({} "
      "refused since the last report)",
      code, refused);
}

}  // namespace

http_response location_response(std::string_view code, std::string_view url) {
  if (is_safe_location(url)) return redirect_response(url);
  report_unsafe(code);
  return error_response(http_status::internal_server_error,
                        "the stored link is damaged and cannot be followed");
}

}  // namespace linkly
