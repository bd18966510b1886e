#pragma once
// supervisor: monitors its children and restarts one that stops, after a
// backoff that doubles with each restart in the window. A child restarted
// more than `max_restarts` times within `restart_window` is crash-looping:
// the supervisor reports it through `on_fatal` and stops.
//
// CAF 0.17 has no supervisor type; this is monitor + down handler + a
// delayed restart message. Restarting is the child's own business (its
// spec's `restart` spawns it and registers the new handle wherever senders
// look it up), so the supervisor stays a small, generic loop.

#include "actors/atoms.hpp"
#include "actors/engine.hpp"

#include <caf/actor.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/fwd.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

struct child_spec {
  std::string name;
  /// The running child, spawned before the supervisor.
  caf::actor initial;
  /// Spawns a replacement; calls `started` with its handle once it runs, or
  /// with an invalid handle if it could not start (it is retried).
  std::function<void(caf::event_based_actor* self, std::function<void(caf::actor)> started)>
      restart;
};

struct supervisor_hooks {
  std::function<void(const std::string& reason)> on_fatal;
  std::shared_ptr<std::atomic<std::uint64_t>> restarts;  // counts restarts done
};

/// Spawns a supervisor over `children`. Send it shutdown_atom to stop the
/// children (exit reason user_shutdown) and then itself.
caf::actor spawn_supervisor(caf::actor_system& sys, const supervision_options& options,
                            std::vector<child_spec> children, supervisor_hooks hooks);

}  // namespace linkly
