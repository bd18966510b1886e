#include "storage/write_health.hpp"

#include <spdlog/spdlog.h>

namespace linkly {

status write_health::heal(const std::string& what, const std::function<status()>& reopen,
                          bool* reopened) {
  *reopened = false;
  if (!failing()) return status::ok();
  status refusal;
  if (!due(what, &refusal)) return refusal;
  if (status st = reopen(); !st) {
    if (should_log_reopen_failure()) {
      spdlog::warn("{}: reopen after a failed write failed ({} tries): {}", what,
                   failed_reopens() + 1, st.to_string());
    }
    failed(st);
    return status::io_error(what + " cannot be written: " + st.message());
  }
  *reopened = true;
  healed();
  return status::ok();
}

}  // namespace linkly
