#pragma once
// projection: state derived from the logs and kept in a projection_store,
// in the shape of a state machine. apply() turns one event into changes of a
// write_set; the runner (projection_runner.hpp) commits a batch of them
// together with the checkpoints, so each event is applied exactly once.
//
// A projection holds no state of its own between calls: everything it knows
// is in the store, so it can be thrown away and rebuilt by replaying the
// logs (projection_replay.hpp).

#include "schemas/envelope.hpp"
#include "storage/projection_store.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

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

class projection {
 public:
  virtual ~projection() = default;

  /// "cache", "analytics": names its store and its dead letters.
  virtual std::string_view name() const = 0;

  /// The logs it follows (kLinksLog, kClicksLog).
  virtual std::vector<std::string_view> logs() const = 0;

  /// Adds to `writes` what `env`, read from `log`, changes; reads the state
  /// through `writes`. Deterministic, and touches nothing but `writes`: on a
  /// failure the runner throws the write set away. A failing status (or an
  /// exception) means this event could not be applied: it is retried, then
  /// parked as a dead letter.
  virtual status apply(std::string_view log, const envelope& env, const projection_store& store,
                       write_set* writes) const = 0;
};

}  // namespace linkly
