#pragma once
// read_sources: what the HTTP server reads beyond link_service and
// click_service. Its own header so the router need not include the server.

#include "actors/projection_status.hpp"

#include <functional>
#include <string>
#include <vector>

namespace linkly {

class analytics_reader;
class dead_letter_store;
class event_bus;
class event_log;
class key_store;
class miss_lookup;

/// Each may be null; the routes that need it then answer 503.
struct read_sources {
  /// /analytics/daily, /links/{code}/stats, `clicks` in GET /links/{code}.
  const analytics_reader* analytics = nullptr;
  /// /events reads it; link_events says when it moved.
  const event_log* links_log = nullptr;
  event_bus* link_events = nullptr;
  /// /clicks/summary reads its head; click_events feeds /clicks/stream (and
  /// its drop count goes to /metrics).
  const event_log* clicks_log = nullptr;
  event_bus* click_events = nullptr;
  /// The click dead-letter store: only whether it can be written, for
  /// /healthz and /metrics (the logs above count there too).
  const dead_letter_store* dead_letters = nullptr;
  /// Cluster mode only (empty for a single node): "" while the links
  /// stream answers and this node's replica follows it, else why not; for
  /// /healthz. Quick: reads what the follower last saw, never the network.
  std::function<std::string()> stream_problem;
  /// Cluster mode only (null for a single node): where a redirect miss
  /// asks the links stream for a code another node created and this
  /// node's replica does not hold yet (http/redirect_miss.hpp); its counts
  /// go to /metrics. Not owned.
  miss_lookup* missed_codes = nullptr;
  /// Cluster mode only: appends the cluster's click metrics to /metrics.
  std::function<void(std::string*)> cluster_metrics;
  /// The projections' progress, for /metrics.
  std::function<std::vector<projection_status>()> projections;
  /// The API keys (/api-keys, and accepted wherever the token is). Not
  /// owned; thread-safe.
  key_store* api_keys = nullptr;
};

}  // namespace linkly
