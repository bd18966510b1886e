#include "storage/click_replica.hpp"

#include "storage/backoff.hpp"
#include "storage/click_message.hpp"
#include "storage/event_log.hpp"
#include "storage/snapshot_file.hpp"
#include "storage/stream_log.hpp"
#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

#include <vector>

namespace linkly {

namespace {
constexpr std::uint32_t kPositionVersion = 1;
constexpr char kStreamCheckpoint[] = "stream";
constexpr char kLogCheckpoint[] = "log";
// Own messages remembered for when_copied(): a waiter asks right after its
// append, so only the last few seconds' messages matter.
constexpr std::size_t kOwnCopiesKept = 4096;
}  // namespace

std::unique_ptr<click_replica> click_replica::start(std::shared_ptr<stream_log> stream,
                                                    std::shared_ptr<event_log> log,
                                                    const click_replica_options& options) {
  std::unique_ptr<click_replica> r(new click_replica(std::move(stream), std::move(log), options));
  r->thread_ = std::thread([raw = r.get()] { raw->run(); });
  return r;
}

click_replica::click_replica(std::shared_ptr<stream_log> stream, std::shared_ptr<event_log> log,
                             click_replica_options options)
    : stream_(std::move(stream)), log_(std::move(log)), options_(std::move(options)) {}

click_replica::~click_replica() {
  stop();
}

void click_replica::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::vector<std::pair<std::uint64_t, std::function<void(std::uint64_t)>>> left;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    left.swap(waiting_);
  }
  for (auto& w : left) w.second(0);
}

void click_replica::when_copied(std::uint64_t outbox_seq, std::function<void(std::uint64_t)> done) {
  std::uint64_t found = 0;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      found = 0;
    } else if (!own_.empty() && outbox_seq < own_.back().outbox_first + own_.back().count) {
      for (const own_copy& c : own_) {
        if (outbox_seq >= c.outbox_first && outbox_seq < c.outbox_first + c.count) {
          found = c.log_first + (outbox_seq - c.outbox_first);
        }
      }
    } else {
      waiting_.emplace_back(outbox_seq, std::move(done));
      return;
    }
  }
  done(found);
}

void click_replica::copied_own(std::uint64_t outbox_first, std::uint64_t count,
                               std::uint64_t log_first) {
  std::vector<std::pair<std::uint64_t, std::function<void(std::uint64_t)>>> ready;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    own_.push_back({outbox_first, count, log_first});
    if (own_.size() > kOwnCopiesKept) own_.pop_front();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->first < outbox_first + count) {
        const bool inside = it->first >= outbox_first;
        ready.emplace_back(inside ? log_first + (it->first - outbox_first) : 0,
                           std::move(it->second));
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& r : ready) r.second(r.first);
}

std::string click_replica::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

bool click_replica::stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stopping_ || !error_.empty();
}

void click_replica::fail(std::string why) {
  spdlog::error("the clicks replica stopped following the stream: {}", why);
  std::lock_guard<std::mutex> lock(mutex_);
  error_ = std::move(why);
}

void click_replica::save_position() {
  snapshot pos;
  pos.body_version = kPositionVersion;
  pos.checkpoints[kStreamCheckpoint] = stream_seq();
  pos.checkpoints[kLogCheckpoint] = log_->highest_seq();
  if (status st = write_snapshot_file(nullptr, options_.position_path, pos); !st) {
    spdlog::warn("clicks replica position not saved ({}); a restart counts further back",
                 st.to_string());
    return;
  }
  saved_stream_ = stream_seq();
  saved_at_ = std::chrono::steady_clock::now();
}

bool click_replica::locate() {
  const std::uint64_t head = log_->highest_seq();
  while (counted_log_ < head) {
    std::vector<stream_record> records;
    status st =
        stream_->fetch(counted_stream_ + 1, options_.fetch_messages, options_.fetch_wait, &records);
    reachable_.store(st.is_ok(), std::memory_order_release);
    if (!st) return false;
    if (records.empty()) {
      fail("the clicks log holds " + std::to_string(head) + " clicks but the stream only " +
           std::to_string(counted_log_));
      return false;
    }
    for (const stream_record& rec : records) {
      std::uint64_t first = 0;
      std::vector<envelope> clicks;
      if (status bad = decode_click_message(rec.data, &first, &clicks); !bad) {
        fail("stream message " + std::to_string(rec.seq) + ": " + bad.to_string());
        return false;
      }
      if (counted_log_ + clicks.size() > head) {
        fail("the clicks log's head " + std::to_string(head) + " falls inside stream message " +
             std::to_string(rec.seq));
        return false;
      }
      counted_log_ += clicks.size();
      counted_stream_ = rec.seq;
      if (counted_log_ == head) break;
    }
    if (stopping()) return false;
  }
  located_ = true;
  stream_seq_.store(counted_stream_, std::memory_order_release);
  saved_at_ = std::chrono::steady_clock::now();
  return true;
}

bool click_replica::follow() {
  std::vector<stream_record> records;
  status st =
      stream_->fetch(stream_seq() + 1, options_.fetch_messages, options_.fetch_wait, &records);
  reachable_.store(st.is_ok(), std::memory_order_release);
  if (!st) return false;
  std::vector<envelope> all;
  std::vector<own_copy> own;
  std::uint64_t expected = stream_seq() + 1;
  for (const stream_record& rec : records) {
    if (rec.seq != expected) {
      fail("the stream lost messages " + std::to_string(expected) + ".." +
           std::to_string(rec.seq - 1) + " before this node copied them");
      return false;
    }
    std::uint64_t first = 0;
    std::vector<envelope> clicks;
    if (status bad = decode_click_message(rec.data, &first, &clicks); !bad) {
      fail("stream message " + std::to_string(rec.seq) + ": " + bad.to_string());
      return false;
    }
    if (!options_.own_subject.empty() && rec.subject == options_.own_subject) {
      own.push_back({first, clicks.size(), all.size()});  // log_first: offset for now
    }
    std::move(clicks.begin(), clicks.end(), std::back_inserter(all));
    ++expected;
  }
  if (!all.empty()) {
    append_result appended;
    if (status w = log_->append(all, &appended); !w) {
      spdlog::warn("clicks replica append failed ({}); retrying", w.to_string());
      return false;
    }
    stream_seq_.store(records.back().seq, std::memory_order_release);
    for (const own_copy& c : own)
      copied_own(c.outbox_first, c.count, appended.first_seq + c.log_first);
  }
  if (stream_seq() != saved_stream_ &&
      std::chrono::steady_clock::now() - saved_at_ >= options_.position_interval) {
    save_position();
  }
  return true;
}

void click_replica::run() {
  become_background_thread("click-replica");
  snapshot pos;
  status st = read_snapshot_file(nullptr, options_.position_path, &pos);
  if (st && pos.body_version == kPositionVersion &&
      pos.checkpoints[kLogCheckpoint] <= log_->highest_seq()) {
    counted_stream_ = pos.checkpoints[kStreamCheckpoint];
    counted_log_ = pos.checkpoints[kLogCheckpoint];
    saved_stream_ = counted_stream_;
  } else if (!st.is_not_found()) {
    spdlog::warn("clicks replica position unusable ({}); counting the stream from its start",
                 st ? "ahead of the log" : st.to_string());
  }
  std::uint64_t failures = 0;
  while (!stopping()) {
    const bool ok = located_ ? follow() : locate();
    if (ok) {
      failures = 0;
      continue;
    }
    if (stopping()) break;
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, backoff_delay(options_.backoff, ++failures, options_.backoff_max),
                   [this] { return stopping_; });
  }
  if (located_) save_position();
}

}  // namespace linkly
