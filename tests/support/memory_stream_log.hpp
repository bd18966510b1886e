#pragma once
// memory_stream_log: a stream_log in memory with JetStream's rules (global
// sequence, per-subject expected last sequence, message-id de-duplication),
// for tests of what sits on top of a stream without a NATS server. set_down()
// makes every call fail as an unreachable stream would.

#include "storage/stream_log.hpp"

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>

namespace linkly::testing {

class memory_stream_log : public stream_log {
 public:
  status publish(std::string_view subject, std::string_view data, std::uint64_t expected_last,
                 std::string_view msg_id, publish_outcome* outcome) override {
    std::lock_guard<std::mutex> lock(mutex_);
    *outcome = {};
    if (down_) return status::io_error("stream unreachable");
    if (!msg_id.empty()) {
      if (auto it = ids_.find(std::string(msg_id)); it != ids_.end()) {
        outcome->seq = it->second;
        outcome->duplicate = true;
        return status::ok();
      }
    }
    std::string key(subject);
    std::uint64_t last = 0;
    if (auto it = subject_last_.find(key); it != subject_last_.end()) last = it->second;
    if (expected_last != kAnyLast && expected_last != last) {
      outcome->conflict = true;
      return status::ok();
    }
    stream_record r;
    r.seq = records_.size() + 1;
    r.subject = key;
    r.data.assign(data.data(), data.size());
    records_.push_back(std::move(r));
    subject_last_[key] = records_.back().seq;
    if (!msg_id.empty()) ids_[std::string(msg_id)] = records_.back().seq;
    outcome->seq = records_.back().seq;
    grew_.notify_all();
    if (lost_acks_ > 0) {
      --lost_acks_;
      *outcome = {};
      return status::io_error("acknowledgement lost");
    }
    return status::ok();
  }

  status fetch(std::uint64_t from, std::size_t max, std::chrono::milliseconds wait,
               std::vector<stream_record>* out) override {
    std::unique_lock<std::mutex> lock(mutex_);
    if (from == 0) from = 1;
    grew_.wait_for(lock, wait, [&] { return down_ || records_.size() >= from; });
    if (down_) return status::io_error("stream unreachable");
    for (std::uint64_t s = from; s <= records_.size() && max > 0; ++s, --max) {
      out->push_back(records_[s - 1]);
    }
    return status::ok();
  }

  status last_seq(std::uint64_t* seq) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (down_) return status::io_error("stream unreachable");
    *seq = records_.size();
    return status::ok();
  }

  status last_on_subject(std::string_view subject, stream_record* out) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (down_) return status::io_error("stream unreachable");
    auto it = subject_last_.find(std::string(subject));
    if (it == subject_last_.end()) return status::not_found("no record on " + std::string(subject));
    *out = records_[it->second - 1];
    return status::ok();
  }

  status next_on_subject(std::string_view subject, std::uint64_t from,
                         stream_record* out) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (down_) return status::io_error("stream unreachable");
    for (std::uint64_t s = from == 0 ? 1 : from; s <= records_.size(); ++s) {
      if (records_[s - 1].subject == subject) {
        *out = records_[s - 1];
        return status::ok();
      }
    }
    return status::not_found("no record on " + std::string(subject) + " from seq " +
                             std::to_string(from));
  }

  /// Makes the next `n` publishes store their record but fail as if the
  /// acknowledgement was lost (io_error): the writer cannot tell.
  void lose_acks(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    lost_acks_ = n;
  }

  void set_down(bool down) {
    std::lock_guard<std::mutex> lock(mutex_);
    down_ = down;
    grew_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable grew_;
  std::vector<stream_record> records_;
  std::map<std::string, std::uint64_t> subject_last_;
  std::map<std::string, std::uint64_t> ids_;
  bool down_ = false;
  std::size_t lost_acks_ = 0;
};

}  // namespace linkly::testing
