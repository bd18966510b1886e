#pragma once
// Server-Sent Events: what a route answers with when it streams instead of
// sending one response, and the per-stream buffering the session drives.
//
// A route builds an sse_source and hands it to request_info::streams.
// The session then writes the 200 header (text/event-stream, no-store, no
// Content-Length, Connection: close: the stream is close-delimited and the
// connection is not reused) and, from then on, pulls messages from the
// source on its io thread whenever the source's waker says there is news and
// the stream's buffer has room. No socket here: sse_stream is plain state,
// testable on its own.
//
// Bounded: a stream holds at most about `max_buffer_bytes` of unwritten
// output (one message more at worst). A durable source is simply asked for
// less and reads again later; a live source buffers in its event_bus
// subscription, which drops (and counts) what does not fit. A client that
// stops reading is closed by the session's idle timer, never waited on.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace linkly {

/// Where a stream's messages come from. Every method runs on the stream's
/// io thread; only the waker given to start() may be called from any thread.
class sse_source {
 public:
  /// Says "pull() may have something new". Any thread, any number of times;
  /// quick (it posts to the io thread).
  using waker = std::function<void()>;

  enum class pull_status {
    idle,  // nothing more now: wait for the waker
    more,  // more is ready: pull again once there is room
    end,   // the stream is over: close it once what was pulled is written
  };

  virtual ~sse_source() = default;

  /// Called once, before the first pull(), when the stream starts.
  virtual void start(waker wake) = 0;

  /// Appends whole messages to `*out` until it has appended `room_bytes` or
  /// more (so at most one message past the room), or has nothing more.
  virtual pull_status pull(std::string* out, std::size_t room_bytes) = 0;
};

/// One SSE message: optional `id:` and `event:` lines, then `data` (one
/// `data:` line per line of it), then a blank line.
std::string format_sse(std::string_view id, std::string_view event, std::string_view data);

/// The comment line that keeps a quiet stream alive through proxies.
constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";

/// The response header that starts a stream, for HTTP/1.`minor_version`.
std::string sse_header(unsigned version);

/// One stream's output: what is being written, what waits behind it, and
/// whether the source has more. The session does the I/O.
class sse_stream {
 public:
  sse_stream(std::shared_ptr<sse_source> source, std::size_t max_buffer_bytes);

  /// Starts the source and queues the response header.
  void start(unsigned version, sse_source::waker wake);

  /// The waker fired: the source may have news.
  void notify() { source_ready_ = true; }

  /// Pulls from the source while it has news and the buffer has room.
  /// Returns true when pull() should be called again later (the source said
  /// `more` but the buffer filled or a turn's budget was used).
  bool fill();

  /// Queues a keep-alive comment if nothing else is queued.
  void queue_keep_alive();

  /// Moves the queued bytes into the write buffer; empty when there is
  /// nothing to write. The returned string lives until end_write().
  const std::string& begin_write();
  void end_write() { writing_.clear(); }

  bool writing() const { return !writing_.empty(); }
  bool has_queued() const { return !queued_.empty(); }
  /// The source ended and everything it gave has been handed to begin_write().
  bool finished() const { return ended_ && queued_.empty(); }
  /// Unwritten bytes (being written plus queued).
  std::size_t buffered_bytes() const { return writing_.size() + queued_.size(); }

  /// Releases the source (its subscription ends now); nothing more is pulled.
  void stop() { source_.reset(); }

 private:
  std::shared_ptr<sse_source> source_;
  std::size_t max_buffer_bytes_;
  std::string writing_;
  std::string queued_;
  bool source_ready_ = true;  // pull at least once after start
  bool ended_ = false;
};

/// Counts open streams of one kind against a limit, over all io threads.
class stream_slots {
 public:
  /// A held slot; frees itself when destroyed.
  class slot {
   public:
    explicit slot(stream_slots* owner) : owner_(owner) {}
    ~slot() { owner_->used_.fetch_sub(1, std::memory_order_acq_rel); }
    slot(const slot&) = delete;
    slot& operator=(const slot&) = delete;

   private:
    stream_slots* owner_;
  };

  void set_limit(std::size_t max_streams) { max_streams_ = max_streams; }

  /// A slot, or null when all are taken. The slot must not outlive this.
  std::unique_ptr<slot> try_acquire();

  std::size_t used() const { return used_.load(std::memory_order_acquire); }

 private:
  std::size_t max_streams_ = 0;
  std::atomic<std::size_t> used_{0};
};

}  // namespace linkly
