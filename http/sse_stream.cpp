#include "http/sse_stream.hpp"

#include <utility>

namespace linkly {

std::string format_sse(std::string_view id, std::string_view event, std::string_view data) {
  std::string out;
  out.reserve(id.size() + event.size() + data.size() + 24);
  if (!id.empty()) out.append("id: ").append(id).append("\n");
  if (!event.empty()) out.append("event: ").append(event).append("\n");
  // A newline inside data would end the field: each line gets its own.
  std::size_t start = 0;
  for (;;) {
    std::size_t nl = data.find('\n', start);
    out.append("data: ").append(data.substr(start, nl - start)).append("\n");
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  out.append("\n");
  return out;
}

std::string sse_header(unsigned version) {
  // Close-delimited: no Content-Length, no chunking, no keep-alive.
  std::string out = version >= 11 ? "HTTP/1.1 200 OK\r\n" : "HTTP/1.0 200 OK\r\n";
  out.append(
      "Content-Type: text/event-stream\r\n"
      "Cache-Control: no-store\r\n"
      "Connection: close\r\n"
      "X-Accel-Buffering: no\r\n"
      "\r\n");
  return out;
}

sse_stream::sse_stream(std::shared_ptr<sse_source> source, std::size_t max_buffer_bytes)
    : source_(std::move(source)), max_buffer_bytes_(max_buffer_bytes) {}

void sse_stream::start(unsigned version, sse_source::waker wake) {
  queued_ = sse_header(version);
  if (source_) source_->start(std::move(wake));
}

// One pull per call, so one stream cannot hold its io thread for long: the
// session calls again on a later turn when this returns true.
bool sse_stream::fill() {
  if (!source_ || ended_ || !source_ready_) return false;
  std::size_t used = buffered_bytes();
  if (used >= max_buffer_bytes_) return false;  // again after a write
  source_ready_ = false;
  switch (source_->pull(&queued_, max_buffer_bytes_ - used)) {
    case sse_source::pull_status::idle:
      return false;
    case sse_source::pull_status::more:
      source_ready_ = true;
      return buffered_bytes() < max_buffer_bytes_;
    case sse_source::pull_status::end:
      ended_ = true;
      source_.reset();
      return false;
  }
  return false;
}

void sse_stream::queue_keep_alive() {
  if (queued_.empty() && writing_.empty() && !ended_) queued_.append(kSseKeepAlive);
}

const std::string& sse_stream::begin_write() {
  if (writing_.empty()) writing_.swap(queued_);
  return writing_;
}

std::unique_ptr<stream_slots::slot> stream_slots::try_acquire() {
  std::size_t used = used_.load(std::memory_order_acquire);
  do {
    if (used >= max_streams_) return nullptr;
  } while (!used_.compare_exchange_weak(used, used + 1, std::memory_order_acq_rel));
  return std::make_unique<slot>(this);
}

}  // namespace linkly
