#include "storage/click_publisher.hpp"

#include "storage/backoff.hpp"
#include "storage/click_message.hpp"
#include "storage/event_log.hpp"
#include "storage/stream_log.hpp"
#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

namespace linkly {

std::unique_ptr<click_publisher> click_publisher::start(std::shared_ptr<event_log> outbox,
                                                        std::shared_ptr<stream_log> stream,
                                                        const click_publisher_options& options) {
  std::unique_ptr<click_publisher> p(
      new click_publisher(std::move(outbox), std::move(stream), options));
  p->thread_ = std::thread([raw = p.get()] { raw->run(); });
  return p;
}

click_publisher::click_publisher(std::shared_ptr<event_log> outbox,
                                 std::shared_ptr<stream_log> stream,
                                 click_publisher_options options)
    : outbox_(std::move(outbox)),
      stream_(std::move(stream)),
      options_(std::move(options)),
      subject_(click_subject(options_.node)) {}

click_publisher::~click_publisher() {
  stop();
}

void click_publisher::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void click_publisher::notify() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

std::uint64_t click_publisher::backlog() const {
  const std::uint64_t head = outbox_->highest_seq();
  const std::uint64_t done = published();
  return head > done ? head - done : 0;
}

std::string click_publisher::error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void click_publisher::wait(std::chrono::milliseconds d) {
  std::unique_lock<std::mutex> lock(mutex_);
  wake_.wait_for(lock, d, [this] { return stopping_ || notified_; });
  notified_ = false;
}

click_publisher::step click_publisher::resync() {
  stream_record last;
  status st = stream_->last_on_subject(subject_, &last);
  if (st.is_not_found()) {
    subject_last_ = 0;
    published_.store(0, std::memory_order_release);
  } else if (!st) {
    spdlog::warn("clicks stream unreachable ({}); clicks wait in the log", st.to_string());
    return step::failed;
  } else {
    std::uint64_t first = 0;
    std::vector<envelope> clicks;
    if (status bad = decode_click_message(last.data, &first, &clicks); !bad) {
      std::lock_guard<std::mutex> lock(mutex_);
      error_ = "the clicks stream's last message of " + subject_ + " (seq " +
               std::to_string(last.seq) + ") cannot be read: " + bad.to_string();
      return step::failed;
    }
    subject_last_ = last.seq;
    published_.store(first + clicks.size() - 1, std::memory_order_release);
  }
  if (published() > outbox_->highest_seq()) {
    std::lock_guard<std::mutex> lock(mutex_);
    error_ = "the clicks stream holds " + std::to_string(published()) + " clicks of node " +
             options_.node + " but its clicks log only " + std::to_string(outbox_->highest_seq()) +
             ": was the node's data lost and its name reused?";
    return step::failed;
  }
  synced_ = true;
  return step::progressed;
}

click_publisher::step click_publisher::publish_next() {
  const std::uint64_t from = published() + 1;
  std::vector<envelope> clicks;
  if (status st = outbox_->read(from, event_log::kNoLimit, options_.max_batch, &clicks); !st) {
    spdlog::error("clicks log unreadable at seq {} ({}); publishing waits", from, st.to_string());
    return step::failed;
  }
  if (clicks.empty()) return step::idle;
  const std::string id = options_.node + "." + std::to_string(from);
  publish_outcome outcome;
  status st =
      stream_->publish(subject_, encode_click_message(from, clicks), subject_last_, id, &outcome);
  if (!st || outcome.conflict) {
    // Stored or not, the stream knows: ask it before the next batch.
    synced_ = false;
    if (!st) {
      spdlog::warn("publishing clicks failed ({}); retrying", st.to_string());
      return step::failed;
    }
    return step::progressed;  // resync at once
  }
  subject_last_ = outcome.seq;
  published_.store(from + clicks.size() - 1, std::memory_order_release);
  return step::progressed;
}

void click_publisher::run() {
  become_background_thread("click-publish");
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_ || !error_.empty()) break;
    }
    const step done = synced_ ? publish_next() : resync();
    reachable_.store(done != step::failed, std::memory_order_release);
    if (done == step::failed) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      wait(backoff_delay(options_.backoff, ++consecutive_failures_, options_.backoff_max));
      continue;
    }
    consecutive_failures_ = 0;
    if (done == step::idle) wait(options_.idle_wait);
  }
  const std::string why = error();
  if (!why.empty()) spdlog::error("click publishing stopped: {}", why);
}

}  // namespace linkly
