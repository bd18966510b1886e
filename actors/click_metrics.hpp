#pragma once
// click_metrics: counters of the click path, written by io threads and the
// click queue, read by /metrics. Relaxed atomics: each is a count, not a
// synchronisation point.

#include "actors/latency_histogram.hpp"

#include <atomic>
#include <cstdint>

namespace linkly {

struct click_metrics {
  std::atomic<std::uint64_t> enqueued{0};       // accepted by the queue
  std::atomic<std::uint64_t> shed{0};           // dropped: queue full (clicks or bytes)
  std::atomic<std::uint64_t> written{0};        // durable in the clicks log
  std::atomic<std::uint64_t> batches{0};        // batches written
  std::atomic<std::uint64_t> retries{0};        // failed attempts retried
  std::atomic<std::uint64_t> dead_lettered{0};  // clicks parked in the dead-letter store
  std::atomic<std::uint64_t> lost{0};           // inline mode: writes that failed
  std::atomic<std::uint64_t> writer_restarts{0};
  std::atomic<std::uint64_t> depth{0};        // clicks held now
  std::atomic<std::uint64_t> depth_bytes{0};  // their bytes (click_bytes)
  // The writers at the io threads' level (click_queue.cpp), and how often
  // the queue's depth raised them there.
  std::atomic<bool> writers_raised{false};
  std::atomic<std::uint64_t> writer_raises{0};
  latency_histogram batch_write;  // one batch's append to the clicks log
};

}  // namespace linkly
