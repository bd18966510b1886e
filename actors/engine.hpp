#pragma once
// engine: the running actor system of linkly behind a header free of CAF,
// so that the HTTP layer and the app can use it without compiling CAF. It
// owns, and starts and stops in order:
//  - the links path: journal (group commit), log reader, the sharded link
//    actors and the read view, recovered from the cache snapshot and the
//    links log (link_service is their facade);
//  - the click path: click queue, inline writer and dead-letter admin over
//    the clicks log, the spool and the dead-letter store (click_service);
//  - the projections (cache, analytics) following both logs, their dead
//    letters, and the event buses that /events and /clicks/stream tail;
//  - the supervisor that restarts any of them within its budget and calls
//    on_fatal when the budget is spent.

#include "actors/click_options.hpp"
#include "actors/miss_lookup.hpp"
#include "storage/status.hpp"
#include "storage/stream_follower.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

class analytics_reader;
class click_service;
class click_spool;
class dead_letter_store;
class event_bus;
class projection_store;
struct projection_status;
class directory;
class event_log;
class event_sink;
class link_service;
class read_view;
class stream_log;

struct supervision_options {
  /// More than this many restarts within `restart_window` stop the server.
  std::size_t max_restarts = 5;
  std::chrono::milliseconds restart_window{60'000};
  /// First restart waits this long; each further one in the window doubles
  /// it, up to `max_backoff`.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
};

/// How projections follow the logs.
struct projection_options {
  /// Most events one step applies: the runner reads its mailbox between
  /// steps.
  std::size_t batch_events = 4096;
  /// Tries at one event (the first included) before it is parked as a dead
  /// letter and the projection moves on.
  std::size_t max_retries = 5;
  /// Wait before the second try; doubles for each further one.
  std::chrono::milliseconds backoff{100};
  /// A projection writes a snapshot (projection_store::save) once this many
  /// events were applied since its last one, or once applied events have
  /// waited `snapshot_interval`; and when it stops. A crash replays what
  /// came after the snapshot: at most about this much work at start-up.
  std::uint64_t snapshot_events = 1'000'000;
  std::chrono::milliseconds snapshot_interval{60'000};
};

/// Cluster mode: how the links path uses the links stream.
struct cluster_engine_options {
  /// Tries of one publish (the first included) while the stream does not
  /// answer, all with the same message id, before its outcome is unknown
  /// (answered 503; if it was stored, the replica brings it to the shard
  /// like any other event). No resend while the follower
  /// cannot reach the stream either (each try waits up to
  /// cluster.attempt_timeout).
  std::size_t publish_attempts = 3;
  /// Pause before the second try, doubled before each further one: a new
  /// stream leader is being elected for a few seconds (milliseconds).
  std::chrono::milliseconds resend_pause{100};
  /// Longest wait, after a publish, for this node's replica to hold it
  /// before the write is answered 503 (stored, not yet readable here).
  std::chrono::milliseconds replica_wait{10'000};
  /// Longest start-up wait for the replica to catch up with the stream's
  /// last seq before the engine refuses to start (milliseconds).
  std::chrono::milliseconds catch_up_timeout{300'000};
  stream_follower_options follower;
  /// A redirect miss asked of the stream (a code another node created,
  /// not yet in this node's replica): its bounds.
  miss_lookup_options misses;
};

struct engine_options {
  /// Link actors the code space is sharded over.
  std::size_t link_shards = 4;
  /// CAF scheduler threads. Blocking LevelDB calls never run on them.
  std::size_t scheduler_threads = 2;
  /// How long a link actor waits for the journal before it assumes the
  /// outcome is unknown and rebuilds itself from the log.
  std::chrono::milliseconds append_timeout{30'000};
  supervision_options supervision;
  click_options clicks;
  projection_options projections;
  cluster_engine_options cluster;
};

/// Cluster mode: the links stream every node writes to, and this node's
/// name in it. A null stream: a single node on its own links log.
struct links_stream {
  std::shared_ptr<stream_log> log;
  std::string node;
};

/// Where clicks go: the clicks log and the dead-letter store. Empty: no
/// click path (engine::clicks() is null).
struct click_stores {
  std::shared_ptr<event_sink> log;
  std::shared_ptr<dead_letter_store> dead_letters;
  /// Where queued clicks wait until written (already recovered). Optional.
  std::shared_ptr<click_spool> spool;
};

/// The projections' stores. Each may be null: no cache means start-up
/// replays the whole links log; no analytics store means no analytics.
struct projection_stores {
  std::shared_ptr<projection_store> cache;
  std::shared_ptr<projection_store> analytics;
  /// The clicks log analytics reads and /clicks/stream follows; usually the
  /// click path's log. Null: clicks are not projected.
  std::shared_ptr<event_log> clicks_log;
  /// Where events a projection cannot apply are parked. Null: logged and
  /// skipped.
  std::shared_ptr<dead_letter_store> dead_letters;
};

struct recovery_stats {
  std::uint64_t events = 0;        // events replayed
  std::uint64_t links = 0;         // live links after replay
  std::uint64_t snapshot_seq = 0;  // the cache checkpoint loaded; 0: none
  std::chrono::microseconds elapsed{0};
};

class engine {
 public:
  using fatal_handler = std::function<void(const std::string& reason)>;

  /// Rebuilds link state by replaying `log`, then starts the actors.
  /// `on_fatal` runs once, on an actor thread, when supervision gives up
  /// (it must not block; typically it asks the process to stop).
  static status start(const engine_options& options, std::shared_ptr<event_log> log,
                      click_stores clicks, fatal_handler on_fatal, std::unique_ptr<engine>* out);
  /// With projections: start-up loads the cache snapshot and replays only
  /// the log after it, and the projections follow both logs.
  static status start(const engine_options& options, std::shared_ptr<event_log> log,
                      click_stores clicks, projection_stores projections, fatal_handler on_fatal,
                      std::unique_ptr<engine>* out);
  /// Cluster mode when `stream.log` is set: `log` is this node's replica of
  /// the links stream. After replaying it, start() follows the stream and
  /// returns once the replica has caught up with the stream's last seq
  /// (options.cluster.catch_up_timeout), so that the node serves no state
  /// older than the cluster's at start.
  static status start(const engine_options& options, std::shared_ptr<event_log> log,
                      click_stores clicks, projection_stores projections, links_stream stream,
                      fatal_handler on_fatal, std::unique_ptr<engine>* out);
  /// Without a click path.
  static status start(const engine_options& options, std::shared_ptr<event_log> log,
                      fatal_handler on_fatal, std::unique_ptr<engine>* out) {
    return start(options, std::move(log), {}, std::move(on_fatal), out);
  }

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();  // stop()s

  link_service& links();
  /// The click path, or null when started without one.
  click_service* clicks();
  const read_view& view() const;
  /// Current actor handles (CAF types; include actors/directory.hpp).
  directory& actors();
  const recovery_stats& recovery() const;
  /// Every append to the links log, and to the clicks log (null without one).
  event_bus& link_events();
  event_bus* click_events();
  const event_log& links_log() const;
  const event_log* clicks_log() const;
  /// Null without an analytics store.
  const analytics_reader* analytics() const;
  /// Progress of each running projection.
  std::vector<projection_status> projections() const;

  /// Cluster mode: "" while the links stream answers and the replica
  /// follows it, else why not. Always "" for a single node.
  std::string stream_problem() const;
  bool clustered() const;
  /// Cluster mode: the highest stream seq this node's replica holds; 0 for
  /// a single node.
  std::uint64_t replica_seq() const;
  /// Cluster mode: where a redirect miss asks the links stream for a code
  /// another node created (actors/miss_lookup.hpp). Null for a single node.
  miss_lookup* miss_lookups();

  /// Restarts performed by supervision so far.
  std::uint64_t restarts() const;

  /// Lets the click queue write what it holds (up to clicks.drain_timeout),
  /// then stops every actor and waits for them. Call after the HTTP server
  /// has stopped, so nothing new arrives. Idempotent.
  void stop();

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace linkly
