#include "http/metrics.hpp"

#include "actors/click_metrics.hpp"
#include "actors/projection_status.hpp"

#include <algorithm>
#include <charconv>
#include <utility>

namespace linkly {

namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;

void append_number(std::string* out, std::uint64_t value) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, r.ptr);
}

void append_number(std::string* out, double value) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, value);
  out->append(buf, r.ptr);
}

void append_header(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help) {
  out->append("# HELP ").append(name).append(" ").append(help).append("\n");
  out->append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_metric(std::string* out, std::string_view name, std::string_view type,
                   std::string_view help, std::uint64_t value) {
  append_header(out, name, type, help);
  out->append(name).append(" ");
  append_number(out, value);
  out->append("\n");
}

void append_histogram(std::string* out, std::string_view name, std::string_view help,
                      const latency_histogram& h);

void append_clicks(std::string* out, const click_metrics& m) {
  struct counter {
    std::string_view name;
    const std::atomic<std::uint64_t>& value;
    std::string_view help;
  };
  const counter counters[] = {
      {"linkly_clicks_enqueued_total", m.enqueued, "Clicks accepted by the click queue."},
      {"linkly_clicks_shed_total", m.shed,
       "Clicks dropped because the click queue was full (in clicks or bytes)."},
      {"linkly_clicks_written_total", m.written, "Clicks durable in the clicks log."},
      {"linkly_click_batches_total", m.batches, "Click batches written."},
      {"linkly_click_retries_total", m.retries, "Failed click batch writes that were retried."},
      {"linkly_clicks_dead_lettered_total", m.dead_lettered,
       "Clicks parked in the dead-letter store."},
      {"linkly_clicks_lost_total", m.lost, "Clicks not written: inline-mode writes that failed."},
      {"linkly_click_writer_restarts_total", m.writer_restarts, "Click writer restarts."},
      {"linkly_click_writer_raises_total", m.writer_raises,
       "Times a filling click queue raised its writers to the io threads' CPU level."},
  };
  for (const auto& c : counters)
    append_metric(out, c.name, "counter", c.help, c.value.load(kRelaxed));
  append_metric(out, "linkly_click_queue_depth", "gauge", "Clicks held by the click queue now.",
                m.depth.load(kRelaxed));
  append_metric(out, "linkly_click_queue_bytes", "gauge",
                "Bytes of the clicks held by the click queue now (queues.clicks.capacity_bytes).",
                m.depth_bytes.load(kRelaxed));
  append_metric(out, "linkly_click_writers_raised", "gauge",
                "1 while the click writers run at the io threads' CPU level (a filling queue).",
                m.writers_raised.load(kRelaxed) ? 1 : 0);
  append_histogram(out, "linkly_click_batch_write_seconds",
                   "Time to append one click batch to the clicks log.", m.batch_write);
  // Batch size as a summary without quantiles: its mean is sum / count.
  constexpr std::string_view size = "linkly_click_batch_size";
  append_header(out, size, "summary", "Clicks per batch written to the clicks log.");
  out->append(size).append("_sum ");
  append_number(out, m.written.load(kRelaxed));
  out->append("\n").append(size).append("_count ");
  append_number(out, m.batches.load(kRelaxed));
  out->append("\n");
}

void append_redirects(std::string* out, const http_metrics& m) {
  append_metric(out, "linkly_redirects_total", "counter", "Redirects answered 302.",
                m.redirects.load(kRelaxed));
  append_histogram(out, "linkly_redirect_duration_seconds",
                   "Time from a redirect request read to its answer handed to the socket.",
                   m.redirect_duration);
}

void append_histogram(std::string* out, std::string_view name, std::string_view help,
                      const latency_histogram& h) {
  append_header(out, name, "histogram", help);
  auto snap = h.read();
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i <= latency_histogram::kBounds; ++i) {
    cumulative += snap.buckets[i];
    std::string_view le = i < latency_histogram::kBounds ? latency_histogram::kLabels[i] : "+Inf";
    out->append(name).append("_bucket{le=\"").append(le).append("\"} ");
    append_number(out, cumulative);
    out->append("\n");
  }
  out->append(name).append("_sum ");
  append_number(out, static_cast<double>(snap.sum_ns) / 1e9);
  out->append("\n").append(name).append("_count ");
  append_number(out, snap.count);
  out->append("\n");
}

void append_label(std::string* out, std::string_view name, std::string_view value) {
  // Prometheus label values escape backslash, quote and newline.
  out->append(name).append("=\"");
  for (char c : value) {
    if (c == '\\' || c == '"') out->push_back('\\');
    if (c == '\n') {
      out->append("\\n");
    } else {
      out->push_back(c);
    }
  }
  out->append("\"");
}

}  // namespace

void append_projection_metrics(std::string* out, const std::vector<projection_status>& statuses) {
  if (statuses.empty()) return;
  using position_value = std::uint64_t (*)(const log_position&);
  struct per_log {
    std::string_view name, type, help;
    position_value value;
  };
  const per_log per_logs[] = {
      {"linkly_projection_checkpoint", "gauge", "Last sequence number a projection applied.",
       [](const log_position& p) { return p.checkpoint; }},
      {"linkly_projection_lag_events", "gauge",
       "Events of a log a projection has not applied yet (head - checkpoint).",
       [](const log_position& p) { return p.head > p.checkpoint ? p.head - p.checkpoint : 0; }},
  };
  for (const auto& m : per_logs) {
    append_header(out, m.name, m.type, m.help);
    for (const projection_status& s : statuses) {
      for (const log_position& p : s.positions) {
        out->append(m.name).append("{");
        append_label(out, "projection", s.name);
        out->append(",");
        append_label(out, "log", p.log);
        out->append("} ");
        append_number(out, m.value(p));
        out->append("\n");
      }
    }
  }
  struct counter {
    std::string_view name, help;
    std::uint64_t projection_status::*value;
  };
  const counter counters[] = {
      {"linkly_projection_applied_total", "Events applied by a projection since start.",
       &projection_status::applied},
      {"linkly_projection_retries_total", "Failed applies a projection retried.",
       &projection_status::retries},
      {"linkly_projection_store_errors_total",
       "Failed projection log reads, snapshot writes or parks (each retried, nothing parked).",
       &projection_status::store_errors},
  };
  for (const auto& c : counters) {
    append_header(out, c.name, "counter", c.help);
    for (const projection_status& s : statuses) {
      out->append(c.name).append("{");
      append_label(out, "projection", s.name);
      out->append("} ");
      append_number(out, s.*c.value);
      out->append("\n");
    }
  }
  using status_value = std::uint64_t (*)(const projection_status&);
  struct gauge {
    std::string_view name, help;
    status_value value;
  };
  const gauge gauges[] = {
      // A gauge despite its name, which it keeps for the dashboards that use it.
      {"linkly_projection_parked_total",
       "Events of a projection parked in the dead-letter store now (not yet redriven or "
       "discarded).",
       [](const projection_status& s) { return s.parked; }},
      {"linkly_projection_store_ok",
       "1 while a projection can read its logs, write its snapshots and park; 0 while a "
       "failure is retried.",
       [](const projection_status& s) { return std::uint64_t{s.store_error.empty()}; }},
  };
  for (const auto& g : gauges) {
    append_header(out, g.name, "gauge", g.help);
    for (const projection_status& s : statuses) {
      out->append(g.name).append("{");
      append_label(out, "projection", s.name);
      out->append("} ");
      append_number(out, g.value(s));
      out->append("\n");
    }
  }
}

void append_stream_metrics(std::string* out, const stream_metrics& streams) {
  if (streams.click_dropped) {
    append_metric(out, "linkly_click_stream_dropped_total", "counter",
                  "Clicks dropped for /clicks/stream listeners too slow to take them.",
                  *streams.click_dropped);
  }
  if (!streams.click_listeners && !streams.event_streams) return;
  constexpr std::string_view name = "linkly_stream_listeners";
  append_header(out, name, "gauge", "Open Server-Sent Events streams, per route.");
  const std::pair<std::string_view, const std::optional<std::size_t>&> gauges[] = {
      {"clicks", streams.click_listeners},
      {"events", streams.event_streams},
  };
  for (const auto& [stream, value] : gauges) {
    if (!value) continue;
    out->append(name).append("{");
    append_label(out, "stream", stream);
    out->append("} ");
    append_number(out, static_cast<std::uint64_t>(*value));
    out->append("\n");
  }
}

std::string render_metrics(const http_metrics* http, const click_metrics* clicks,
                           const latency_histogram* journal_writes) {
  std::string out;
  out.reserve(4096);
  if (clicks != nullptr) append_clicks(&out, *clicks);
  if (http != nullptr) append_redirects(&out, *http);
  if (journal_writes != nullptr) {
    append_histogram(&out, "linkly_journal_write_seconds",
                     "Time to append (and fsync) one group-committed batch to the links log.",
                     *journal_writes);
  }
  return out;
}

}  // namespace linkly
