#include "storage/stream_follower.hpp"

#include "storage/backoff.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_log.hpp"
#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace linkly {

stream_follower::stream_follower(std::shared_ptr<stream_log> stream, std::shared_ptr<event_log> log,
                                 stream_follower_options options)
    : stream_(std::move(stream)), log_(std::move(log)), options_(options) {
  applied_.store(log_->highest_seq(), std::memory_order_release);
}

stream_follower::~stream_follower() {
  stop();
}

void stream_follower::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void stream_follower::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

bool stream_follower::wait_for(std::uint64_t seq, std::chrono::milliseconds limit) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, limit, [&] {
    return applied_.load(std::memory_order_acquire) >= seq || stopped_ || stopping_;
  }) && applied_.load(std::memory_order_acquire) >= seq;
}

void stream_follower::nudge() {
  std::lock_guard lock(mutex_);
  nudged_ = true;
  changed_.notify_all();
}

std::string stream_follower::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::string stream_follower::fetch_error() const {
  std::lock_guard lock(mutex_);
  return fetch_error_;
}

void stream_follower::fail(std::string why) {
  spdlog::error("links stream follower stopped: {}", why);
  std::lock_guard lock(mutex_);
  failure_ = std::move(why);
  stopped_ = true;
  changed_.notify_all();
}

bool stream_follower::step(std::uint64_t* failures) {
  const std::uint64_t head = log_->highest_seq();
  std::vector<stream_record> records;
  status st = stream_->fetch(head + 1, options_.batch_records, options_.fetch_wait, &records);
  if (!st) {
    if (reachable_.exchange(false, std::memory_order_acq_rel) || *failures == 0) {
      spdlog::warn("links stream unreachable: {}", st.to_string());
    }
    {
      std::lock_guard lock(mutex_);
      fetch_error_ = st.to_string();
    }
    ++*failures;
    return true;
  }
  if (!reachable_.exchange(true, std::memory_order_acq_rel) && *failures > 0) {
    spdlog::info("links stream reachable again");
  }
  if (*failures > 0) {
    std::lock_guard lock(mutex_);
    fetch_error_.clear();
  }
  *failures = 0;
  if (records.empty()) return true;
  std::vector<envelope> events;
  events.reserve(records.size());
  std::string problem;  // why the records after `events` cannot be taken
  for (std::size_t i = 0; i < records.size(); ++i) {
    const std::uint64_t expected = head + 1 + i;
    if (records[i].seq != expected) {
      problem = "the stream sent seq " + std::to_string(records[i].seq) +
                " where the local links log needs seq " + std::to_string(expected) +
                "; the replica cannot follow a gap";
      break;
    }
    envelope env;
    // Published with seq 0 in the body: the stream's sequence is the seq.
    if (status d = decode_record_value(0, records[i].data, &env); !d) {
      problem = "stream record " + std::to_string(records[i].seq) + " (" + records[i].subject +
                ") cannot be decoded: " + d.to_string();
      break;
    }
    env.seq = records[i].seq;
    events.push_back(std::move(env));
  }
  if (!events.empty()) {
    append_result r;
    if (status a = log_->append(events, &r); !a) {
      spdlog::error("links replica append at seq {} failed: {}", head + 1, a.to_string());
      ++*failures;
      return true;
    }
    if (r.first_seq != head + 1) {
      // Only this follower appends while it runs.
      fail("the local links log took stream seq " + std::to_string(head + 1) + " as seq " +
           std::to_string(r.first_seq) + ": something else appends to it");
      return false;
    }
    std::lock_guard lock(mutex_);
    applied_.store(r.last_seq, std::memory_order_release);
    changed_.notify_all();
  }
  if (!problem.empty()) {
    fail(std::move(problem));
    return false;
  }
  return true;
}

void stream_follower::run() {
  if (options_.background) {
    become_background_thread("links-follower");
  } else {
    name_thread("links-follower");
  }
  std::uint64_t failures = 0;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
      if (failures > 0) {
        const auto pause =
            backoff_delay(options_.retry_backoff, failures, options_.retry_backoff_max);
        if (changed_.wait_for(lock, pause, [this] { return stopping_ || nudged_; }) && stopping_) {
          break;
        }
      }
      nudged_ = false;
    }
    if (!step(&failures)) return;
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
  changed_.notify_all();
}

}  // namespace linkly
