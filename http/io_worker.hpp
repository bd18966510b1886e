#pragma once
// io_worker: one io thread's io_context and what its sessions share.
//
// Sessions are single-threaded on their worker's context, so they need no
// strand. Everything here is used on the worker's own thread, except post(),
// which any thread may call (an actor answering a command).
//
// With clicks on, the worker owns its thread's click_batcher: it outlives
// every session of the worker, so clicks survive their connection.

#include "actors/click_service.hpp"
#include "http/click_batcher.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <mutex>
#include <optional>
#include <unordered_set>
#include <utility>

namespace linkly {

class session;

class io_worker {
 public:
  io_worker() = default;
  io_worker(const io_worker&) = delete;
  io_worker& operator=(const io_worker&) = delete;

  boost::asio::io_context& context() { return context_; }

  /// Open sessions of this worker (its thread only).
  std::unordered_set<session*>& sessions() { return sessions_; }

  /// Gives the worker a click batcher submitting to `clicks`. Before the
  /// thread starts.
  void enable_clicks(click_service& clicks, const click_batch_options& options) {
    batcher_.emplace(context_, clicks, options, clicks.spool(), clicks.payloads());
  }

  /// The thread's click batcher; null when clicks are off (its thread only).
  click_batcher* batcher() { return batcher_ ? &*batcher_ : nullptr; }

  /// Lets run() return once no work is left (its thread only).
  void release_work() { work_.reset(); }

  /// Posts `fn` to the context from any thread. After close_gate() it is
  /// not posted but destroyed by the caller, so nothing is queued on a
  /// context that no thread will run again.
  template <class Fn>
  bool post(Fn&& fn) {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    if (!gate_open_) return false;
    boost::asio::post(context_, std::forward<Fn>(fn));
    return true;
  }

  /// Called once the worker's thread has been joined.
  void close_gate() {
    std::lock_guard<std::mutex> lock(gate_mutex_);
    gate_open_ = false;
  }

 private:
  // Declared before the context: sessions destroyed with the context's
  // pending handlers still unregister themselves here.
  std::unordered_set<session*> sessions_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(context_);
  // After the context: its timer is destroyed first.
  std::optional<click_batcher> batcher_;
  std::mutex gate_mutex_;
  bool gate_open_ = true;
};

}  // namespace linkly
