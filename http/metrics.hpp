#pragma once
// The HTTP server's own metrics and the Prometheus text rendering of
// GET /metrics (text format 0.0.4). Relaxed atomics: counts, never a
// synchronisation point, so io threads record them without locks.

#include "actors/latency_histogram.hpp"

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

struct click_metrics;
struct projection_status;

/// What the server counts itself.
struct http_metrics {
  std::atomic<std::uint64_t> redirects{0};  // answered 302 (GET and HEAD)
  latency_histogram redirect_duration;      // request read -> 302 handed to write
};

/// The Prometheus text exposition: the click path's counters and batch
/// write times when `clicks` is not null, the redirect metrics when `http`
/// is not null, the links journal's write times when `journal_writes` is not.
std::string render_metrics(const http_metrics* http, const click_metrics* clicks,
                           const latency_histogram* journal_writes = nullptr);

/// Appends each projection's progress: per log its checkpoint and lag
/// (head - checkpoint, in events), and its applied, retried, parked and
/// store-error counts; labelled projection="..." (and log="...").
void append_projection_metrics(std::string* out, const std::vector<projection_status>& statuses);

}  // namespace linkly
