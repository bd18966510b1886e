#pragma once
// event_sink: where a batch of envelopes is appended. event_log is the one
// linkly runs on; tests put a failing sink in its place to prove retries and
// dead-lettering without touching production code.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <vector>

namespace linkly {

struct append_result {
  std::uint64_t first_seq = 0;  // seq of the first appended envelope
  std::uint64_t last_seq = 0;   // seq of the last; first_seq - 1 if none
};

class event_sink {
 public:
  virtual ~event_sink() = default;

  /// Appends `events` atomically (all or none), writing the sequence numbers
  /// given back into each envelope. Blocking: never call it on a CAF
  /// scheduler thread.
  virtual status append(std::vector<envelope>& events, append_result* result) = 0;
};

}  // namespace linkly
