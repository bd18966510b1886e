#pragma once
// projection: state derived from the logs, held in memory, in the shape of
// a state machine. apply() folds one event into the state; a
// projection_store (projection_store.hpp) owns it, moves its checkpoints
// with each event and makes the two durable together in snapshots, so each
// event is applied exactly once across crashes.
//
// Everything it holds comes from the logs, so it can be thrown away and
// rebuilt by replaying them (projection_replay.hpp).
//
// Not thread-safe on its own: its store serializes writers and readers.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace leveldb {
class Env;
}  // namespace leveldb

namespace linkly {

/// The logs projections follow, by the names their checkpoints use.
inline constexpr std::string_view kLinksLog = "links";
inline constexpr std::string_view kClicksLog = "clicks";

/// How far a projection has read each log, beside where the log ends.
struct log_position {
  std::string log;
  std::uint64_t checkpoint = 0;
  std::uint64_t head = 0;
};

/// One entry of a projection's state as a person (and `replay --verify`)
/// compares it: a key and a readable value.
using entry_visitor = std::function<void(std::string_view key, std::string_view value)>;

class projection {
 public:
  virtual ~projection() = default;

  /// "cache", "analytics": names its store and its dead letters.
  virtual std::string_view name() const = 0;

  /// The logs it follows (kLinksLog, kClicksLog).
  virtual std::vector<std::string_view> logs() const = 0;

  /// Folds `env`, read from `log`, into the state: all of it or, on a
  /// failing status, nothing. Deterministic. A failure means this event
  /// cannot be applied: it is retried, then parked as a dead letter.
  virtual status apply(std::string_view log, const envelope& env) = 0;

  /// Appends the state to `out` in format snapshot_version(); fails only if
  /// the state cannot be read (see attach()).
  virtual status save(std::string* out) const = 0;
  /// Replaces the state with what save() wrote; corruption if it is not that.
  virtual status load(std::string_view saved) = 0;
  /// The format save() writes; a snapshot of another one is rebuilt instead.
  virtual std::uint32_t snapshot_version() const = 0;
  /// Called with what save() wrote once it is on disk, with no reader or
  /// writer running: a projection that keeps its state as its last snapshot
  /// (the cache) takes it here.
  virtual void saved(std::string /*body*/) {}
  /// Where the store keeps this projection's snapshot (its Env may be null:
  /// the default). A projection whose state is its last snapshot reads it
  /// from there when it needs it instead of holding it in memory.
  virtual void attach(const std::string& /*snapshot_path*/, leveldb::Env* /*env*/) {}

  /// Empties the state.
  virtual void clear() = 0;

  /// Calls `fn` for every entry, in key order: two states are equal when
  /// they list the same entries.
  virtual void for_each_entry(const entry_visitor& fn) const = 0;
};

}  // namespace linkly
