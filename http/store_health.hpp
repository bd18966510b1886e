#pragma once
// store_health: GET /healthz and the writable gauges of /metrics, from the
// stores in read_sources. A store that failed a write and has not reopened
// since makes the server degraded: /healthz answers 503 with the reasons.
// In cluster mode so does a links stream this node cannot reach (or a
// replica that stopped following it), and the 200 says "stream":"reachable".
// Reads lock-free flags (and a short-held message): safe on an io thread.

#include "http/read_sources.hpp"
#include "http/responses.hpp"

#include <string>
#include <vector>

namespace linkly {

/// "links log cannot be written: <why>" per store that cannot be written.
std::vector<std::string> degraded_reasons(const read_sources& sources);

/// 200 {"status":"ok"}, or 503 {"status":"degraded","reasons":[...]}.
http_response health_response(const read_sources& sources);

/// Appends linkly_log_writable{log="links"|"clicks"} and
/// linkly_dead_letters_writable, 1 or 0, for the stores present, and in
/// cluster mode linkly_links_stream_following.
void append_store_metrics(std::string* out, const read_sources& sources);

}  // namespace linkly
