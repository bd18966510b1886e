#include "http/location.hpp"

#include "http/log_throttle.hpp"
#include "schemas/link_rules.hpp"

#include <spdlog/spdlog.h>

namespace linkly {

namespace {

// A damaged link is refused on every redirect to it; the log names it once
// per interval, so a busy bad link cannot flood the log.
constexpr std::chrono::milliseconds kReportInterval{1'000};

void report_unsafe(std::string_view code) {
  static log_throttle throttle(kReportInterval);
  std::uint64_t refused = throttle.note();
  if (refused == 0) return;
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
