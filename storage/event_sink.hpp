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
/// log's append lock before the write with `first_seq`, the seq of the
/// first envelope (the i-th gets first_seq + i); and once more, with
/// first_seq 0 (no seq), if the write then fails.
using before_write_hook =
    std::function<void(const std::vector<envelope>& events, std::uint64_t first_seq)>;

/// Writes the seqs an append gave (`result`) into the envelopes appended,
/// for a caller that keeps them numbered.
inline void number_appended(std::vector<envelope>* events, const append_result& result) {
  std::uint64_t seq = result.first_seq;
  for (auto& e : *events) e.seq = seq++;
}

class event_sink {
 public:
  virtual ~event_sink() = default;

  /// Appends `events` atomically (all or none) and calls `before_write` (if
  /// any) as described above. The batch is only read, never copied: each
  /// envelope is encoded from where it is, its `seq` ignored; the sequence
  /// numbers given are first_seq..last_seq of `*result`, in order (see
  /// number_appended). Blocking: never call it on a CAF scheduler thread.
  virtual status append(const std::vector<envelope>& events, append_result* result,
                        const before_write_hook* before_write = nullptr) = 0;
};

}  // namespace linkly
