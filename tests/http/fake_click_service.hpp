#pragma once
// A click_service without actors: records what the HTTP layer hands it and
// answers the dead-letter calls from an in-memory list. Thread-safe, since
// io threads submit while a test reads.

#include "actors/click_service.hpp"
#include "schemas/click_events.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

namespace linkly::testing {

class fake_click_service : public click_service {
 public:
  explicit fake_click_service(click_mode mode = click_mode::queued) : mode_(mode) {}

  click_mode mode() const override { return mode_.load(); }
  const click_metrics& metrics() const override { return metrics_; }

  void submit(std::vector<envelope> clicks) override {
    std::lock_guard lock(mutex_);
    batches_.push_back(std::move(clicks));
    changed_.notify_all();
  }

  void write_now(std::vector<envelope> clicks, std::function<void(reply_status)> done) override {
    std::lock_guard lock(mutex_);
    writes_.push_back(std::move(clicks));
    pending_writes_.push_back(std::move(done));
  }

  void list_dead_letters(std::uint64_t after, std::size_t limit,
                         std::function<void(dead_letter_page)> done) override {
    dead_letter_page page;
    {
      std::lock_guard lock(mutex_);
      last_list_ = {after, limit};
      if (store_error_) {
        page.fail(reply_code::unavailable, "disk on fire");
      } else {
        for (const auto& e : dead_letters_) {
          if (e.id > after && page.entries.size() < limit) page.entries.push_back(e);
        }
      }
    }
    done(std::move(page));
  }

  void redrive(std::optional<std::uint64_t> id, std::function<void(redrive_reply)> done) override {
    redrive_reply reply;
    {
      std::lock_guard lock(mutex_);
      redrive_calls_.push_back(id);
      if (store_error_) {
        reply.fail(reply_code::unavailable, "disk on fire");
      } else if (log_error_) {
        // One entry written before the log failed, the rest still parked.
        reply.log_failed = true;
        reply.fail(reply_code::unavailable, "the clicks log cannot be written: disk full");
        reply.redriven = 1;
        reply.clicks = 2;
        reply.remaining = dead_letters_.size() - 1;
      } else if (id) {
        auto it = find(*id);
        if (it == dead_letters_.end()) {
          reply.fail(reply_code::not_found, "dead letter not found");
        } else {
          dead_letters_.erase(it);
          reply.redriven = 1;
        }
      } else {
        reply.redriven = dead_letters_.size();
        dead_letters_.clear();
      }
    }
    done(std::move(reply));
  }

  void discard(std::uint64_t id, std::function<void(reply_status)> done) override {
    reply_status reply;
    {
      std::lock_guard lock(mutex_);
      if (store_error_) {
        reply.fail(reply_code::unavailable, "disk on fire");
      } else if (auto it = find(id); it != dead_letters_.end()) {
        dead_letters_.erase(it);
      } else {
        reply.fail(reply_code::not_found, "dead letter not found");
      }
    }
    done(std::move(reply));
  }

  bool drain(std::chrono::milliseconds) override { return true; }

  // --- for tests ---

  void set_mode(click_mode mode) { mode_ = mode; }
  click_metrics& mutable_metrics() { return metrics_; }
  void add_dead_letter(dead_letter entry) {
    std::lock_guard lock(mutex_);
    dead_letters_.push_back(std::move(entry));
  }
  void fail_store(bool fail) {
    std::lock_guard lock(mutex_);
    store_error_ = fail;
  }
  void fail_log(bool fail) {
    std::lock_guard lock(mutex_);
    log_error_ = fail;
  }

  /// Every submit() call so far.
  std::vector<std::vector<envelope>> batches() const {
    std::lock_guard lock(mutex_);
    return batches_;
  }
  /// Every click submitted so far, in order.
  std::vector<envelope> submitted() const {
    std::lock_guard lock(mutex_);
    std::vector<envelope> all;
    for (const auto& b : batches_) all.insert(all.end(), b.begin(), b.end());
    return all;
  }
  std::size_t submitted_count() const {
    std::lock_guard lock(mutex_);
    return count_locked();
  }
  /// Waits until at least `n` clicks were submitted; false on timeout.
  bool wait_for_clicks(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return count_locked() >= n; });
  }

  std::vector<std::vector<envelope>> writes() const {
    std::lock_guard lock(mutex_);
    return writes_;
  }
  /// Answers the oldest pending write_now(): written when `ok`, else
  /// unavailable; false if none.
  bool complete_write(bool ok) {
    std::function<void(reply_status)> done;
    {
      std::lock_guard lock(mutex_);
      if (pending_writes_.empty()) return false;
      done = std::move(pending_writes_.front());
      pending_writes_.erase(pending_writes_.begin());
    }
    done(ok ? reply_status{}
            : reply_status::failure(reply_code::unavailable, "the clicks log cannot be written"));
    return true;
  }

  std::pair<std::uint64_t, std::size_t> last_list() const {
    std::lock_guard lock(mutex_);
    return last_list_;
  }
  std::vector<std::optional<std::uint64_t>> redrive_calls() const {
    std::lock_guard lock(mutex_);
    return redrive_calls_;
  }
  std::vector<dead_letter> dead_letters() const {
    std::lock_guard lock(mutex_);
    return dead_letters_;
  }

 private:
  std::size_t count_locked() const {
    return std::accumulate(batches_.begin(), batches_.end(), std::size_t{0},
                           [](std::size_t n, const auto& b) { return n + b.size(); });
  }
  std::vector<dead_letter>::iterator find(std::uint64_t id) {
    return std::find_if(dead_letters_.begin(), dead_letters_.end(),
                        [id](const dead_letter& e) { return e.id == id; });
  }

  std::atomic<click_mode> mode_;
  click_metrics metrics_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::vector<envelope>> batches_;
  std::vector<std::vector<envelope>> writes_;
  std::vector<std::function<void(reply_status)>> pending_writes_;
  std::vector<dead_letter> dead_letters_;
  std::pair<std::uint64_t, std::size_t> last_list_{0, 0};
  std::vector<std::optional<std::uint64_t>> redrive_calls_;
  bool store_error_ = false;
  bool log_error_ = false;
};

}  // namespace linkly::testing
