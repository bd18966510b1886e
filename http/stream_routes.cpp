#include "http/stream_routes.hpp"

#include "actors/event_bus.hpp"
#include "http/event_json.hpp"
#include "http/log_throttle.hpp"
#include "http/sse_stream.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "storage/event_log.hpp"
#include "storage/read_failure.hpp"

#include <spdlog/spdlog.h>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <chrono>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linkly {

namespace {

namespace http = boost::beast::http;

http_response unavailable(std::string_view what) {
  return error_response(http_status::service_unavailable, std::string(what) + " is not available");
}

// HEAD of a stream: the headers a GET gets (sse_header), no body, no
// stream. Close-delimited like the stream, so the connection closes too.
http_response stream_head_response() {
  http_response res{http_status::ok, 11};
  res.set(http::field::content_type, "text/event-stream");
  res.set(http::field::cache_control, "no-store");
  res.set("X-Accel-Buffering", "no");
  res.keep_alive(false);
  return res;
}

// A decimal sequence number, all of `text`, below UINT64_MAX: the feed
// reads from seq + 1.
bool parse_seq(std::string_view text, std::uint64_t* out) {
  if (text.empty()) return false;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size() &&
         *out != std::numeric_limits<std::uint64_t>::max();
}

// A client reconnecting to a damaged log fails the same read every retry:
// one log line per period says so.
constexpr std::chrono::seconds kReadFailureLogPeriod{10};
log_throttle& read_failures() {
  static log_throttle throttle{kReadFailureLogPeriod};
  return throttle;
}

// Live clicks, best effort: the subscription's buffer holds what arrives
// between two pulls and drops (and counts) the rest.
//
// Invariant (both feeds): pull() says `idle` only when the subscription was
// re-armed during that same call. A wake after an earlier take may already
// have been spent on a pull that found work; answering idle then would wait
// for a wake that never comes.
class click_feed : public sse_source {
 public:
  click_feed(event_bus& bus, std::string code, std::unique_ptr<stream_slots::slot> slot)
      : bus_(bus), code_(std::move(code)), slot_(std::move(slot)) {}

  void start(waker wake) override {
    event_bus::filter keep;
    if (!code_.empty()) keep = [code = code_](const envelope& e) { return e.key == code; };
    sub_ = bus_.subscribe(kClickStreamBufferEvents, std::move(wake), std::move(keep));
  }

  pull_status pull(std::string* out, std::size_t room_bytes) override {
    std::size_t start = out->size();
    for (;;) {
      if (next_ == pending_.size()) {
        pending_.clear();
        next_ = 0;
        sub_->take(&pending_);  // re-arms
        if (pending_.empty()) return pull_status::idle;
      }
      while (next_ < pending_.size() && out->size() - start < room_bytes) {
        append_click(*pending_[next_++], out);
      }
      if (next_ < pending_.size()) return pull_status::more;
    }
  }

 private:
  static void append_click(const envelope& env, std::string* out) {
    click_recorded click;
    if (!decode_click(env, &click)) return;
    boost::json::object data;
    data["id"] = env.seq;
    data["code"] = click.code;
    data["clicked_at"] = format_utc_ms(click.clicked_at_ms);
    out->append(format_sse(std::to_string(env.seq), {}, boost::json::serialize(data)));
  }

  event_bus& bus_;
  std::string code_;
  std::unique_ptr<stream_slots::slot> slot_;  // held for the stream's life
  std::shared_ptr<event_bus::subscription> sub_;
  std::vector<std::shared_ptr<const envelope>> pending_;  // taken, not yet formatted from next_
  std::size_t next_ = 0;
};

// Link events from the log after `after`, then its live tail: a capacity-0
// subscription only says that the log moved; the feed reads it itself, in
// chunks, so a reconnecting client misses nothing. The first message is
// `retry:`, so an EventSource waits that long before reconnecting.
class link_event_feed : public sse_source {
 public:
  link_event_feed(const event_log& log, event_bus& bus, std::uint64_t after,
                  std::unique_ptr<stream_slots::slot> slot)
      : log_(log), bus_(bus), after_(after), slot_(std::move(slot)) {}

  void start(waker wake) override { sub_ = bus_.subscribe(0, std::move(wake)); }

  pull_status pull(std::string* out, std::size_t room_bytes) override {
    if (!retry_sent_) {
      retry_sent_ = true;
      out->append("retry: ").append(std::to_string(kEventsRetryMs)).append("\n\n");
    }
    std::size_t start = out->size();
    bool read_now = false;
    for (;;) {
      if (next_ == batch_.size()) {
        batch_.clear();
        next_ = 0;
        // Re-arm before reading: an append after this read wakes the stream.
        std::vector<std::shared_ptr<const envelope>> none;
        sub_->take(&none);
        if (failure_) return report_failure(out);
        status st = log_.read(after_ + 1, event_log::kNoLimit, kEventsReadChunkEvents, &batch_);
        if (!st) {
          // The events read before the problem are sent first; the
          // failure is reported once they are out.
          std::uint64_t seq = after_ + 1 + batch_.size();
          failure_ = read_failure_message("links", seq, st);
          failed_seq_ = seq;
          if (std::uint64_t times = read_failures().note()) {
            spdlog::error("http: /events: {} ({} stream(s) ended on it in the last {} s)",
                          *failure_, times, kReadFailureLogPeriod.count());
          }
        }
        full_chunk_ = batch_.size() == kEventsReadChunkEvents || failure_.has_value();
        read_now = true;
      }
      while (next_ < batch_.size() && out->size() - start < room_bytes) {
        const envelope& env = batch_[next_++];
        out->append(format_sse(std::to_string(env.seq), to_string(env.type),
                               boost::json::serialize(envelope_json(env))));
        after_ = env.seq;
      }
      if (next_ < batch_.size() || full_chunk_) return pull_status::more;
      // A short chunk read in this call reached the head as of the read;
      // later appends wake us. One read earlier may be stale: read again.
      if (read_now) return pull_status::idle;
    }
  }

 private:
  // The stream's last message: what could not be read, without an id, so a
  // reconnecting EventSource resumes after the last event it got.
  pull_status report_failure(std::string* out) {
    boost::json::object data;
    data["error"] = *failure_;
    data["seq"] = failed_seq_;
    out->append(format_sse({}, kEventsReadFailedEvent, boost::json::serialize(data)));
    return pull_status::end;
  }

  const event_log& log_;
  event_bus& bus_;
  std::optional<std::string> failure_;  // set once a read failed, at failed_seq_
  std::uint64_t failed_seq_ = 0;
  std::uint64_t after_;                       // the last seq appended to the output
  std::unique_ptr<stream_slots::slot> slot_;  // held for the stream's life
  std::shared_ptr<event_bus::subscription> sub_;
  std::vector<envelope> batch_;  // read, not yet formatted from next_
  std::size_t next_ = 0;
  bool full_chunk_ = false;
  bool retry_sent_ = false;
};

// 503 when `slots` is full; a null `slots` is no cap.
bool acquire_slot(stream_slots* slots, std::unique_ptr<stream_slots::slot>* out) {
  if (slots == nullptr) return true;
  *out = slots->try_acquire();
  return *out != nullptr;
}

}  // namespace

void clicks_summary(const router_context& ctx, const response_sender& send) {
  const event_log* log = ctx.sources.clicks_log;
  if (log == nullptr) return send(unavailable("the clicks log"));
  // Seqs start at 1: the head is the events in all, orphan visits
  // (schemas/orphan_visit.hpp) included (API.md says so).
  std::uint64_t head = log->highest_seq();
  send(json_response(http_status::ok, boost::json::value{{"total", head}, {"last_id", head}}));
}

void clicks_stream(const http_request& req, const route_match& match, const router_context& ctx,
                   const request_info& info, const response_sender& send) {
  event_bus* bus = ctx.sources.click_events;
  if (bus == nullptr || info.streams == nullptr) return send(unavailable("the click stream"));
  if (req.method() == http::verb::head) return send(stream_head_response());
  std::unique_ptr<stream_slots::slot> slot;
  if (!acquire_slot(ctx.click_listeners, &slot)) {
    return send(error_response(http_status::service_unavailable,
                               "too many click stream listeners, try again later"));
  }
  info.streams->open_stream(std::make_shared<click_feed>(*bus, match.code, std::move(slot)));
}

void events_stream(const http_request& req, const route_match& match, const router_context& ctx,
                   const request_info& info, const response_sender& send) {
  const event_log* log = ctx.sources.links_log;
  event_bus* bus = ctx.sources.link_events;
  if (log == nullptr || bus == nullptr || info.streams == nullptr) {
    return send(unavailable("the event stream"));
  }
  // Last-Event-ID (a reconnecting EventSource) wins over ?after=; an empty
  // one (the EventSource had no id yet) counts as absent.
  std::uint64_t after = 0;
  auto last_id = req.find("Last-Event-ID");
  if (last_id != req.end() && !last_id->value().empty()) {
    if (!parse_seq(last_id->value(), &after)) {
      return send(
          error_response(http_status::bad_request, "invalid Last-Event-ID: use a sequence number"));
    }
  } else if (!match.after.empty() && !parse_seq(match.after, &after)) {
    return send(error_response(http_status::bad_request, "invalid after: use a sequence number"));
  }
  if (req.method() == http::verb::head) return send(stream_head_response());
  std::unique_ptr<stream_slots::slot> slot;
  if (!acquire_slot(ctx.event_streams, &slot)) {
    return send(error_response(http_status::service_unavailable,
                               "too many event streams, try again later"));
  }
  info.streams->open_stream(std::make_shared<link_event_feed>(*log, *bus, after, std::move(slot)));
}

}  // namespace linkly
