#include "bench/harness/server_metrics.hpp"

#include "bench/harness/stop_signal.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include <cstdlib>
#include <sstream>
#include <thread>

namespace linkly::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<http_answer> http_exchange(std::uint16_t port, const std::string& method,
                                         const std::string& target, const std::string& body,
                                         std::chrono::milliseconds timeout) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{http::string_to_verb(method), target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!body.empty()) request.set(http::field::content_type, "application/json");
  request.body() = body;
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  beast::error_code failure;
  stream.expires_after(timeout);
  asio::ip::tcp::endpoint endpoint(asio::ip::make_address_v4("127.0.0.1"), port);
  stream.async_connect(endpoint, [&](beast::error_code ec) {
    if (ec) return void(failure = ec);
    http::async_write(stream, request, [&](beast::error_code ec, std::size_t) {
      if (ec) return void(failure = ec);
      http::async_read(stream, buffer, response,
                       [&](beast::error_code ec, std::size_t) { failure = ec; });
    });
  });
  io.run();
  if (failure) return std::nullopt;
  return http_answer{response.result_int(), std::move(response.body())};
}

std::map<std::string, double> parse_metrics(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.find(' ');
    if (space == std::string::npos || line.find('{') < space) continue;
    samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

std::optional<click_counters> read_click_counters(std::uint16_t port) {
  auto answer = http_exchange(port, "GET", "/metrics");
  if (!answer || answer->status != 200) return std::nullopt;
  auto samples = parse_metrics(answer->body);
  auto value = [&](const char* name) -> std::optional<std::uint64_t> {
    auto it = samples.find(name);
    if (it == samples.end()) return std::nullopt;
    return static_cast<std::uint64_t>(it->second);
  };
  auto written = value("linkly_clicks_written_total");
  auto depth = value("linkly_click_queue_depth");
  if (!written || !depth) return std::nullopt;
  return click_counters{*written,
                        value("linkly_clicks_shed_total").value_or(0),
                        *depth,
                        value("linkly_redirects_total").value_or(0),
                        value("linkly_clicks_enqueued_total").value_or(0),
                        value("linkly_clicks_lost_total").value_or(0)};
}

bool clicks_accounted(const click_counters& c, bool queued) {
  // The queue depth misses clicks still in the batcher or the mailbox: the
  // counters of the click path must account for every redirect answered.
  if (queued) return c.depth == 0 && c.enqueued + c.shed >= c.redirects;
  return c.written + c.lost >= c.redirects;
}

bool clicks_settled(const click_counters& c, const settle_options& options,
                    std::chrono::nanoseconds still_for) {
  if (!clicks_accounted(c, options.queued)) return false;
  if (options.expected_written && c.written == *options.expected_written) return true;
  return still_for >= options.quiet;
}

std::optional<std::uint64_t> read_projection_lag(std::uint16_t port) {
  auto answer = http_exchange(port, "GET", "/metrics");
  if (!answer || answer->status != 200) return std::nullopt;
  constexpr std::string_view name = "linkly_projection_lag_events{";
  std::uint64_t lag = 0;
  std::istringstream lines(answer->body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind(name, 0) != 0) continue;
    auto space = line.rfind(' ');
    if (space != std::string::npos) lag += std::strtoull(line.c_str() + space + 1, nullptr, 10);
  }
  return lag;
}

bool wait_for_projections(std::uint16_t port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  // The lag lives in another process: poll it, bounded.
  for (;;) {
    throw_if_stopped();
    if (auto lag = read_projection_lag(port); lag && *lag == 0) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

settled_clicks wait_for_clicks(std::uint16_t port, const settle_options& options) {
  using clock = std::chrono::steady_clock;
  auto deadline = clock::now() + options.timeout;
  settled_clicks out;
  std::optional<std::uint64_t> last;
  auto last_change = clock::now();
  // The counters live in another process: poll them, bounded.
  for (;;) {
    throw_if_stopped();
    if (auto now = read_click_counters(port)) {
      if (!last || *last != now->written) {
        last = now->written;
        last_change = clock::now();
      }
      out.counters = *now;
      out.read = true;
      if (clicks_settled(*now, options, clock::now() - last_change)) {
        out.settled = true;
        return out;
      }
    }
    if (clock::now() >= deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace linkly::bench
