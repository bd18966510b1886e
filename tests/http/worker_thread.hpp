#pragma once
// An io_worker whose context runs on a thread of its own, as a server's
// does, until the test ends; with a click batcher when given a
// click_service (as a server gives one before its threads start).

#include "actors/click_service.hpp"
#include "http/click_batcher.hpp"
#include "http/io_worker.hpp"

#include <thread>

namespace linkly::testing {

class worker_thread {
 public:
  explicit worker_thread(click_service* clicks = nullptr) {
    if (clicks != nullptr) worker_.enable_clicks(*clicks, click_batch_options{});
    thread_ = std::thread([this] { worker_.context().run(); });
  }
  ~worker_thread() {
    worker_.post([this] { worker_.release_work(); });  // its own thread only
    thread_.join();
    worker_.close_gate();
  }
  worker_thread(const worker_thread&) = delete;
  worker_thread& operator=(const worker_thread&) = delete;

  io_worker& worker() { return worker_; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  io_worker worker_;
  std::thread thread_;
};

}  // namespace linkly::testing
