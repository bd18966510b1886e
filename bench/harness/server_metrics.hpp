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
  std::uint64_t enqueued = 0;   // linkly_clicks_enqueued_total
  std::uint64_t lost = 0;       // linkly_clicks_lost_total
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
  /// The written count a perfect run reaches: done at once when seen (and
  /// every redirect is accounted for).
  std::optional<std::uint64_t> expected_written;
  /// Otherwise settled when every redirect is accounted for and the count
  /// has not moved for this long.
  std::chrono::milliseconds quiet{300};
  std::chrono::milliseconds timeout{15'000};
  /// queued: a click is accounted for once enqueued or shed (it may sit in
  /// the io thread's batcher or the actor's mailbox before the queue sees
  /// it); inline: once written or lost.
  bool queued = true;
};

/// Every redirect linkly answered has reached the click path's counters.
bool clicks_accounted(const click_counters& c, bool queued);

/// The settle rule of wait_for_clicks for one reading; `still_for` is how
/// long the written count has not moved.
bool clicks_settled(const click_counters& c, const settle_options& options,
                    std::chrono::nanoseconds still_for);

struct settled_clicks {
  click_counters counters;
  bool read = false;     // false: /metrics never answered with the counters
  bool settled = false;  // false: the timeout passed first
};

/// Polls /metrics until the clicks are all written (see settle_options).
settled_clicks wait_for_clicks(std::uint16_t port, const settle_options& options);

}  // namespace linkly::bench
