#pragma once
// The running click path: the click queue (supervised like every other
// actor), a thread for inline writes and one for dead-letter admin, behind
// the CAF-free click_service.

#include "actors/click_queue.hpp"
#include "actors/click_service.hpp"

#include <caf/actor.hpp>

#include <memory>
#include <mutex>
#include <unordered_set>

namespace linkly {

class click_runtime : public click_service {
 public:
  /// Spawns the queue and its helper threads. `log` and `dead_letters`
  /// outlive the runtime.
  click_runtime(caf::actor_system& sys, const click_options& options,
                std::shared_ptr<event_sink> log, std::shared_ptr<dead_letter_store> dead_letters,
                std::function<void(const std::string&)> on_fatal,
                std::shared_ptr<click_spool> spool = nullptr);
  ~click_runtime() override;

  /// The current queue, and its replacement after a restart.
  click_queue_actor queue() const;
  click_queue_actor spawn_queue();

  /// Dead letters of other queues (a projection's) are offered to `route` by
  /// redrive(); it returns whether it took the entry. Set before serving.
  void route_other_queues(std::function<bool(const dead_letter&)> route) {
    other_queues_ = std::move(route);
  }

  /// Stops the helper threads (the queue is stopped by its supervisor).
  void stop_helpers();

  click_mode mode() const override { return options_.mode; }
  const click_metrics& metrics() const override { return *metrics_; }
  std::shared_ptr<click_spool> spool() const override { return spool_; }
  std::shared_ptr<payload_pool> payloads() const override { return payloads_; }
  void submit(std::vector<envelope> clicks) override;
  void write_now(std::vector<envelope> clicks, std::function<void(reply_status)> done) override;
  void append_event(envelope event, std::function<void(event_append_reply)> done) override;
  void list_dead_letters(std::uint64_t after, std::size_t limit,
                         std::function<void(dead_letter_page)> done) override;
  void redrive(std::optional<std::uint64_t> id, std::function<void(redrive_reply)> done) override;
  void discard(std::uint64_t id, std::function<void(reply_status)> done) override;
  bool drain(std::chrono::milliseconds timeout) override;

 private:
  caf::actor_system& sys_;
  click_options options_;
  std::shared_ptr<event_sink> log_;
  std::shared_ptr<dead_letter_store> dead_letters_;
  std::function<void(const std::string&)> on_fatal_;
  std::shared_ptr<click_spool> spool_;      // queued mode only
  std::shared_ptr<payload_pool> payloads_;  // queued mode only
  std::shared_ptr<click_metrics> metrics_ = std::make_shared<click_metrics>();
  mutable std::mutex mutex_;
  click_queue_actor queue_;
  caf::actor inline_writer_;  // runs blocking jobs: inline click writes
  caf::actor admin_;          // runs blocking jobs: dead-letter store calls
  std::function<bool(const dead_letter&)> other_queues_;
  // Dead letters written by a redrive whose erase failed: never written
  // again by this process (their erase is retried instead). Only the admin
  // thread touches it.
  std::shared_ptr<std::unordered_set<std::uint64_t>> written_not_erased_ =
      std::make_shared<std::unordered_set<std::uint64_t>>();
};

}  // namespace linkly
