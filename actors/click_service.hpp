#pragma once
// click_service: how code outside the actor system (HTTP io threads, the
// app) records clicks and manages parked ones, without including CAF.
//
// In `queued` mode submit() hands clicks to the click queue and returns at
// once. In `inline_write` mode write_now() writes them before calling back
// (a redirect waits for the write: the slow way, kept for comparison). In
// `off` mode nothing is recorded.

#include "actors/click_metrics.hpp"
#include "actors/click_options.hpp"
#include "schemas/envelope.hpp"
#include "schemas/reply_status.hpp"
#include "storage/dead_letter_store.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace linkly {

class click_spool;
class payload_pool;

// Every reply is a reply_status (reply_status.hpp) plus what was asked for.

/// unavailable: the dead-letter store could not be read.
struct dead_letter_page : reply_status {
  std::vector<dead_letter> entries;
};

/// not_found: the one asked for does not exist; unavailable: the store or
/// the clicks log failed (`log_failed` says which). The counts hold either way.
struct redrive_reply : reply_status {
  std::size_t redriven = 0;   // dead letters written (clicks) or handed back (other queues)
  std::size_t clicks = 0;     // clicks written to the clicks log
  std::size_t remaining = 0;  // click dead letters asked for and still parked
  /// The clicks log could not be written: `error` says why; what was
  /// written before stays written (and erased from the store).
  bool log_failed = false;
};

/// An event appended by append_event(): its seq in the clicks log when ok.
struct event_append_reply : reply_status {
  std::uint64_t seq = 0;
};

class click_service {
 public:
  virtual ~click_service() = default;

  virtual click_mode mode() const = 0;
  virtual const click_metrics& metrics() const = 0;

  /// Where queued clicks wait until written (each io thread takes a writer);
  /// null when they are not spooled.
  virtual std::shared_ptr<click_spool> spool() const { return nullptr; }

  /// Where the payload buffers of written clicks wait to be reused for new
  /// ones (actors/payload_pool.hpp); null when they are not kept.
  virtual std::shared_ptr<payload_pool> payloads() const { return nullptr; }

  /// Queued mode: hands clicks over, never waits. Any thread.
  virtual void submit(std::vector<envelope> clicks) = 0;

  /// Writes clicks now and calls `done` once they are durable (ok), or
  /// with unavailable and why they are not.
  virtual void write_now(std::vector<envelope> clicks, std::function<void(reply_status)> done) = 0;

  /// Appends `event`, a clicks-log event that is not a click (a
  /// VisitsDeleted), now and on its own, never through the queue or the
  /// spool: `done` gets its seq once the clicks log holds it (with the log's
  /// sync policy, as for clicks), or unavailable and why not. `done` may run
  /// on the writer's thread. Clicks queued before it may land after it.
  virtual void append_event(envelope event, std::function<void(event_append_reply)> done) {
    (void)event;
    event_append_reply r;
    r.fail(reply_code::unavailable, "the clicks log takes no events here");
    done(std::move(r));
  }

  /// Parked entries with id > after, at most `limit`.
  virtual void list_dead_letters(std::uint64_t after, std::size_t limit,
                                 std::function<void(dead_letter_page)> done) = 0;

  /// Writes one dead letter (or all, when `id` is empty) to the clicks log
  /// before answering; each is erased from the store once written. Stops at
  /// the first failed write (log_failed). Other queues' entries are handed
  /// back to them.
  virtual void redrive(std::optional<std::uint64_t> id,
                       std::function<void(redrive_reply)> done) = 0;

  /// Deletes a dead letter for good; not_found when there is none with
  /// that id, unavailable when the store failed.
  virtual void discard(std::uint64_t id, std::function<void(reply_status)> done) = 0;

  /// Blocks until every click handed over so far is written or parked, or
  /// `timeout` passes; false on timeout. Never call it on an io or actor
  /// thread.
  virtual bool drain(std::chrono::milliseconds timeout) = 0;
};

}  // namespace linkly
