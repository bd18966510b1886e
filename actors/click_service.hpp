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

struct dead_letter_page {
  bool ok = true;
  std::string error;  // when !ok
  std::vector<dead_letter> entries;
};

struct redrive_reply {
  bool ok = true;
  std::string error;          // when !ok
  std::size_t redriven = 0;   // dead letters written (clicks) or handed back (other queues)
  std::size_t clicks = 0;     // clicks written to the clicks log
  std::size_t remaining = 0;  // click dead letters asked for and still parked
  bool found = true;          // false: the one asked for does not exist
  /// The clicks log could not be written: `error` says why; what was
  /// written before stays written (and erased from the store).
  bool log_failed = false;
};

class click_service {
 public:
  virtual ~click_service() = default;

  virtual click_mode mode() const = 0;
  virtual const click_metrics& metrics() const = 0;

  /// Where queued clicks wait until written (each io thread takes a writer);
  /// null when they are not spooled.
  virtual std::shared_ptr<click_spool> spool() const { return nullptr; }

  /// Queued mode: hands clicks over, never waits. Any thread.
  virtual void submit(std::vector<envelope> clicks) = 0;

  /// Writes clicks now and calls `done(ok)` once they are durable (or not).
  virtual void write_now(std::vector<envelope> clicks, std::function<void(bool ok)> done) = 0;

  /// Parked entries with id > after, at most `limit`.
  virtual void list_dead_letters(std::uint64_t after, std::size_t limit,
                                 std::function<void(dead_letter_page)> done) = 0;

  /// Writes one dead letter (or all, when `id` is empty) to the clicks log
  /// before answering; each is erased from the store once written. Stops at
  /// the first failed write (log_failed). Other queues' entries are handed
  /// back to them.
  virtual void redrive(std::optional<std::uint64_t> id,
                       std::function<void(redrive_reply)> done) = 0;

  /// Deletes a dead letter for good; `done(found)`.
  virtual void discard(std::uint64_t id,
                       std::function<void(bool found, std::string error)> done) = 0;

  /// Blocks until every click handed over so far is written or parked, or
  /// `timeout` passes; false on timeout. Never call it on an io or actor
  /// thread.
  virtual bool drain(std::chrono::milliseconds timeout) = 0;
};

}  // namespace linkly
