#pragma once
// event_sink: where a batch of envelopes is appended. event_log is the one
// linkly runs on; tests put a failing sink in its place to prove retries and
// dead-lettering without touching production code.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <functional>
#include <vector>

namespace linkly {

struct append_result {
  std::uint64_t first_seq = 0;  // seq of the first appended envelope
  std::uint64_t last_seq = 0;   // seq of the last; first_seq - 1 if none
};

/// Sees a batch between the log assigning its sequence numbers and writing
/// it (the click spool records where each click will be): called under the
/// log's append lock, with the seqs set, before the write; and once more,
/// with every seq back at 0, if the write then fails.
using before_write_hook = std::function<void(const std::vector<envelope>&)>;

class event_sink {
 public:
  virtual ~event_sink() = default;

  /// Appends `events` atomically (all or none), writing the sequence numbers
  /// given back into each envelope, and calls `before_write` (if any) as
  /// described above. Blocking: never call it on a CAF scheduler thread.
  virtual status append(std::vector<envelope>& events, append_result* result,
                        const before_write_hook* before_write = nullptr) = 0;
};

}  // namespace linkly
