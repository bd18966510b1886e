#pragma once
// Settings of the click path. CAF-free: the app and engine.hpp include it.

#include <chrono>
#include <cstddef>

namespace linkly {

enum class click_mode {
  queued,        // the redirect hands its click to the queue and answers at once
  inline_write,  // the redirect waits until its click is written
  off,           // no clicks are recorded
};

struct click_queue_options {
  /// Delivery attempts per batch, the first one included; after the last
  /// the batch goes to the dead-letter store.
  std::size_t max_retries = 5;
  /// Batches being written at once (one writer thread each).
  std::size_t concurrency = 5;
  /// Wait before retry n: backoff * 2^(n-1).
  std::chrono::milliseconds backoff{1000};
  /// A batch is sealed at this many clicks...
  std::size_t max_batch = 512;
  /// ...or when its oldest click has waited this long.
  std::chrono::milliseconds max_wait{5};
  /// Clicks held (waiting, in flight or between retries); beyond, new ones
  /// are shed and counted.
  std::size_t capacity = 100'000;
  /// Bytes held, as counted by click_bytes(): the other bound of the same
  /// queue, since a click's size depends on its link's url and its request.
  /// A click that does not fit is shed and counted like one beyond
  /// `capacity`. 64 MiB holds the 100,000 clicks of `capacity` at ~670
  /// bytes each (a click with bounded fields and a long url).
  std::size_t capacity_bytes = 64 * 1024 * 1024;
  /// More writer crashes than this within the window stop the server (the
  /// engine sets both from its supervision options).
  std::size_t max_writer_restarts = 5;
  std::chrono::milliseconds writer_restart_window{60'000};
};

struct click_options {
  click_mode mode = click_mode::queued;
  click_queue_options queue;
  /// How long a shutdown waits for the queue to write what it holds.
  std::chrono::milliseconds drain_timeout{30'000};
};

}  // namespace linkly
