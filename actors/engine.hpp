#pragma once
// engine: the running actor system of linkly — journal, link actors, their
// supervisor and the read view — behind a header free of CAF, so that the
// HTTP layer and the app can use it without compiling CAF.

#include "storage/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace linkly {

class directory;
class event_log;
class link_service;
class read_view;

struct supervision_options {
  /// More than this many restarts within `restart_window` stop the server.
  std::size_t max_restarts = 5;
  std::chrono::milliseconds restart_window{60'000};
  /// First restart waits this long; each further one in the window doubles
  /// it, up to `max_backoff`.
  std::chrono::milliseconds initial_backoff{100};
  std::chrono::milliseconds max_backoff{5'000};
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
};

struct recovery_stats {
  std::uint64_t events = 0;  // events replayed
  std::uint64_t links = 0;   // live links after replay
  std::chrono::microseconds elapsed{0};
};

class engine {
 public:
  using fatal_handler = std::function<void(const std::string& reason)>;

  /// Rebuilds link state by replaying `log`, then starts the actors.
  /// `on_fatal` runs once, on an actor thread, when supervision gives up
  /// (it must not block; typically it asks the process to stop).
  static status start(const engine_options& options, std::shared_ptr<event_log> log,
                      fatal_handler on_fatal, std::unique_ptr<engine>* out);

  engine(const engine&) = delete;
  engine& operator=(const engine&) = delete;
  ~engine();  // stop()s

  link_service& links();
  const read_view& view() const;
  /// Current actor handles (CAF types; include actors/directory.hpp).
  directory& actors();
  const recovery_stats& recovery() const;
  /// Restarts performed by supervision so far.
  std::uint64_t restarts() const;

  /// Stops every actor and waits for them. Call after the HTTP server has
  /// stopped so no command is in flight. Idempotent.
  void stop();

 private:
  struct impl;
  explicit engine(std::unique_ptr<impl> impl);
  std::unique_ptr<impl> impl_;
};

}  // namespace linkly
