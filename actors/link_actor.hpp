#pragma once
// link actor: owns one shard of the code space. A command is checked against
// the shard's link_table, its event appended through the journal, applied,
// published to the read view, and only then answered.
//
// Commands for different codes overlap (their appends share the journal's
// group commit); commands for one code wait for that code's previous append,
// so each is decided against the state it will change.
//
// When an append's outcome is unknown (the journal died or timed out), the
// actor quits with an error: its supervisor restarts it from the log, the
// only place that knows.

#include "actors/link_interface.hpp"
#include "actors/log_interfaces.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <cstddef>

namespace linkly {

class directory;

struct link_shard_config {
  std::size_t index = 0;
  std::size_t shards = 1;
  directory* dir = nullptr;  // not owned; outlives the actor
  std::chrono::milliseconds append_timeout{30'000};
  /// How long a history page or as_of read may take before it is answered
  /// as unavailable; each reads a bounded number of events.
  std::chrono::milliseconds read_timeout{30'000};
  /// Cluster mode: appends go to the links stream (dir->stream_journal()),
  /// and events other nodes wrote arrive as apply messages.
  bool clustered = false;
};

/// Spawns the actor for shard `config.index`, starting from `table` (the
/// shard's state replayed from the log).
link_actor spawn_link_shard(caf::actor_system& sys, const link_shard_config& config,
                            table_ptr table);

}  // namespace linkly
