#pragma once
// A cheap look for damage in a log at start: the newest records are read
// (checksums, bodies, seq continuity) and the first problem is logged as a
// warning naming its seq. Not `linkly log check`, which reads every record:
// a start must stay fast however long the log, so older damage is reported
// by the first read that meets it (history, as_of, /events).

#include <cstdint>
#include <string_view>

namespace linkly {

class event_log;

/// Records a start reads: 3-7 ms here (warm cache), a small part of a
/// start, and the whole of a young log.
constexpr std::uint64_t kStartupScanRecords = 20'000;

/// Reads the newest `records` records of `log` (named `name`: "links",
/// "clicks"); logs a warning naming the first damaged seq. True when they
/// are intact.
bool scan_newest_records(const event_log& log, std::string_view name,
                         std::uint64_t records = kStartupScanRecords);

}  // namespace linkly
