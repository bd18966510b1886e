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
#include <optional>
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

/// The live streams, as /metrics shows them; an empty field is not shown.
struct stream_metrics {
  /// Clicks dropped for /clicks/stream listeners too slow to take them.
  std::optional<std::uint64_t> click_dropped;
  /// Open streams, per route.
  std::optional<std::size_t> click_listeners;  // /clicks/stream
  std::optional<std::size_t> event_streams;    // /events
};

/// Appends linkly_click_stream_dropped_total and
/// linkly_stream_listeners{stream="clicks"|"events"}.
void append_stream_metrics(std::string* out, const stream_metrics& streams);

/// Appends each projection's progress: per log its checkpoint and lag
/// (head - checkpoint, in events), and its applied, retried, parked and
/// store-error counts; labelled projection="..." (and log="...").
void append_projection_metrics(std::string* out, const std::vector<projection_status>& statuses);

}  // namespace linkly
