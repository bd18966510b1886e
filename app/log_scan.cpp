#include "app/log_scan.hpp"

#include "storage/event_log.hpp"
#include "storage/read_failure.hpp"

#include <spdlog/spdlog.h>

#include <chrono>

namespace linkly {

bool scan_newest_records(const event_log& log, std::string_view name, std::uint64_t records) {
  const std::uint64_t head = log.highest_seq();
  if (head == 0 || records == 0) return true;
  const std::uint64_t from = head > records ? head - records + 1 : 1;
  auto began = std::chrono::steady_clock::now();
  std::uint64_t last = from - 1;  // the last seq read intact
  status st = log.replay(from, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
    last = env.seq;
    return true;
  });
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  began);
  if (st) {
    spdlog::debug("{} log: seqs {}-{} read intact in {} ms", name, from, head, ms.count());
    return true;
  }
  spdlog::warn(
      "{}; reads of it fail until it is repaired (`linkly log check` lists every damaged "
      "record)",
      read_failure_message(name, last + 1, st));
  return false;
}

}  // namespace linkly
