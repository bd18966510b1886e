#pragma once
// Cluster mode's click path around the engine. The click queue writes this
// node's clicks log as on a single node, but that log is now its outbox
// (<data>/clicks-outbox): click_publisher copies it into the clicks stream,
// and click_replica copies the stream (every node's clicks) into
// <data>/clicks, the log that analytics, /clicks/stream, the visits lists
// and the offline commands read. A redirect never waits for the cluster; an
// unreachable stream only makes the outbox's backlog grow.

#include "actors/click_service.hpp"
#include "storage/click_publisher.hpp"
#include "storage/click_replica.hpp"
#include "storage/status.hpp"

#include <memory>
#include <string>

namespace linkly {

class event_log;
class nats_connection;
class stream_log;
struct cluster_options;

/// The directory of the log the click path writes: "clicks" for a single
/// node, "clicks-outbox" in cluster mode (where "clicks" is the replica).
std::string click_path_dir_name(const cluster_options& cluster);

class cluster_clicks {
 public:
  /// Opens the clicks stream (checked against its spec) and starts
  /// publishing `outbox`. Call before anything appends to `outbox`: it sets
  /// the outbox's listener.
  static status open(std::shared_ptr<nats_connection> conn, const cluster_options& cluster,
                     std::shared_ptr<event_log> outbox, std::unique_ptr<cluster_clicks>* out);

  ~cluster_clicks();

  /// Starts copying the stream into `replica` (once the engine follows it:
  /// the replica's listener must be set before its first append).
  void follow(std::shared_ptr<event_log> replica, const std::string& position_path);

  /// `inner` with append_event() answering the seq in the replica, the log
  /// analytics reads, instead of the outbox's. Valid while both live.
  std::unique_ptr<click_service> wrap(click_service& inner);

  /// "" while clicks flow, else why not (for /healthz).
  std::string problem() const;
  /// Clicks of the outbox not yet known to be in the stream.
  std::uint64_t unpublished() const { return publisher_->backlog(); }
  /// The seq the replica holds (0 before follow()).
  std::uint64_t replica_head() const;
  /// The cluster click metrics, Prometheus text.
  void append_metrics(std::string* out) const;

  /// Stops following and publishing (what is left waits in the outbox).
  void stop();

 private:
  cluster_clicks() = default;

  std::string node_;
  std::shared_ptr<stream_log> stream_;
  std::shared_ptr<event_log> outbox_;
  std::shared_ptr<event_log> replica_log_;
  std::unique_ptr<click_publisher> publisher_;
  std::unique_ptr<click_replica> replica_;
};

}  // namespace linkly
