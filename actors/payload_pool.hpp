#pragma once
// payload_pool: the payload buffers of written clicks, handed back to the io
// threads for the payloads of new ones.
//
// A queued click's payload is allocated on an io thread and freed on the
// thread that drops its batch (a click writer or the queue's). The freed
// chunks then never reach the io thread's allocation cache, so each new
// payload took glibc's slow path under its arena lock: about 0.5 us of a
// queued redirect's io-thread time (bench/results/click-writer.md).
// Recycled, a payload costs no allocation at all once the pool has filled.
//
// Bounded: it keeps at most `max_buffers` buffers, each of at most
// kMaxPooledPayloadBytes capacity; anything beyond is freed as before.
// Threading: any thread; one lock per batch taken or given.

#include "schemas/envelope.hpp"

#include <cstddef>
#include <mutex>
#include <string>
#include <vector>

namespace linkly {

/// A payload buffer with more capacity than this is freed, not kept: a
/// rare long click must not pin its memory in the pool.
constexpr std::size_t kMaxPooledPayloadBytes = 4096;

class payload_pool {
 public:
  /// 8,192 buffers: what is in flight between the io threads and the
  /// clicks log at full load (a hand-over batch per io thread, the queue's
  /// pending batch and one batch per writer) several times over; a few MB.
  explicit payload_pool(std::size_t max_buffers = 8192) : max_buffers_(max_buffers) {
    buffers_.reserve(max_buffers_);  // give() then never allocates
  }

  /// Appends up to `n` empty buffers, with their capacity, to `out`.
  void take(std::size_t n, std::vector<std::string>* out);

  /// Keeps the payload buffers of `clicks` (leaving them empty) while
  /// there is room. Never throws: it runs in a batch's deleter.
  void give(std::vector<envelope>& clicks) noexcept;

  /// Buffers kept now.
  std::size_t size() const;

 private:
  const std::size_t max_buffers_;
  mutable std::mutex mutex_;
  std::vector<std::string> buffers_;
};

}  // namespace linkly
