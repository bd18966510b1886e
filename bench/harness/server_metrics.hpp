#pragma once
// server_metrics: what the harness reads from a running linkly besides its
// redirects: /metrics (Prometheus text), and the wait until every click it
// answered has been written.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace linkly::bench {

struct http_answer {
  unsigned status = 0;
  std::string body;
};

/// One request on a fresh loopback connection; nullopt on any network
/// error or when no answer comes within `timeout`.
std::optional<http_answer> http_exchange(
    std::uint16_t port, const std::string& method, const std::string& target,
    const std::string& body = {}, std::chrono::milliseconds timeout = std::chrono::seconds(5));

/// Unlabelled samples of a Prometheus text page: name -> value.
std::map<std::string, double> parse_metrics(const std::string& text);

/// The click counters of linkly's /metrics at one moment.
struct click_counters {
  std::uint64_t written = 0;    // linkly_clicks_written_total
  std::uint64_t shed = 0;       // linkly_clicks_shed_total (queue full)
  std::uint64_t depth = 0;      // linkly_click_queue_depth
  std::uint64_t redirects = 0;  // linkly_redirects_total
};

/// nullopt when /metrics cannot be read or lacks the click counters.
std::optional<click_counters> read_click_counters(std::uint16_t port);

/// Sum of linkly_projection_lag_events over every projection and log: the
/// events linkly's projections have still to apply. nullopt when /metrics
/// cannot be read; 0 when it has no projections.
std::optional<std::uint64_t> read_projection_lag(std::uint16_t port);

/// Polls until the projection lag is 0; false when `timeout` passes first.
bool wait_for_projections(std::uint16_t port, std::chrono::milliseconds timeout);

struct settle_options {
  /// The written count a perfect run reaches: done at once when seen.
  std::uint64_t expected_written = 0;
  /// Otherwise settled when the queue is empty and the count has not moved
  /// for this long.
  std::chrono::milliseconds quiet{300};
  std::chrono::milliseconds timeout{15'000};
};

struct settled_clicks {
  click_counters counters;
  bool settled = false;  // false: the timeout passed first
};

/// Polls /metrics until the clicks are all written (see settle_options).
settled_clicks wait_for_clicks(std::uint16_t port, const settle_options& options);

}  // namespace linkly::bench
