#pragma once
// click_batcher: gathers the clicks of one io thread's redirects and hands
// them to click_service in batches, one submit() (one actor message) per
// batch instead of one per redirect.
//
// A batch goes when it holds `max_clicks` or `max_wait` after its first
// click, whichever comes first: one timer, armed by the first click of a
// batch, never one per request. It belongs to the io_worker, not to a
// session, so a connection closing loses nothing; the server close()s it on
// stop, after the last request of its thread.
//
// With a spool, add() first appends the click to this thread's spool
// segment (memory stores into a mapped file), so that from the moment the
// redirect is answered a kill -9 cannot lose it.
//
// With a payload pool, payload_buffer() gives the buffers of written clicks
// back for new payloads, taken from the pool a hand-over batch at a time.
//
// Threading: the worker's thread only (no locks), except that after the
// thread has been joined the owner may call flush() or close() itself.

#include "actors/payload_pool.hpp"
#include "schemas/envelope.hpp"
#include "storage/click_spool.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linkly {

class click_service;

struct click_batch_options {
  std::size_t max_clicks = 64;
  std::chrono::microseconds max_wait{1'000};
};

class click_batcher {
 public:
  click_batcher(boost::asio::io_context& context, click_service& clicks,
                click_batch_options options = {}, std::shared_ptr<click_spool> spool = nullptr,
                std::shared_ptr<payload_pool> payloads = nullptr);
  click_batcher(const click_batcher&) = delete;
  click_batcher& operator=(const click_batcher&) = delete;
  /// Submits what is still held.
  ~click_batcher();

  /// Takes one click (spooling it first). After close() it is submitted on
  /// its own at once, unspooled.
  void add(envelope click);

  /// Submits the clicks held now, if any, as one batch.
  void flush();

  /// Flushes, seals the spool segment and disarms the timer (so the
  /// worker's run() can return). Idempotent.
  void close();

  /// An empty buffer for the payload of the next click: a written click's
  /// when the pool has one (no allocation), else a new one.
  std::string payload_buffer();

  /// Clicks held now.
  std::size_t pending() const { return batch_.size(); }

 private:
  void arm();
  void on_timer();

  click_service& clicks_;
  click_batch_options options_;
  boost::asio::steady_timer timer_;
  std::vector<envelope> batch_;
  std::optional<click_spool::writer> spool_;
  std::shared_ptr<payload_pool> payloads_;
  std::vector<std::string> spare_payloads_;  // taken from payloads_, not yet used
  bool armed_ = false;
  bool closed_ = false;
};

}  // namespace linkly
