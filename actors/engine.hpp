#pragma once
// engine: the running actor system of linkly — journal, link actors, their
// supervisor and the read view — behind a header free of CAF, so that the
// HTTP layer and the app can use it without compiling CAF.

#include "actors/click_options.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace linkly {

class click_service;
class dead_letter_store;
class directory;
class event_log;
class event_sink;
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
  click_options clicks;
};

/// Where clicks go: the clicks log and the dead-letter store. Empty: no
/// click path (engine::clicks() is null).
struct click_stores {
  std::shared_ptr<event_sink> log;
  std::shared_ptr<dead_letter_store> dead_letters;
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
                      click_stores clicks, fatal_handler on_fatal, std::unique_ptr<engine>* out);
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
