#include "bench/harness/load_generator.hpp"

#include "bench/harness/core_load.hpp"
#include "bench/harness/server_launcher.hpp"
#include "bench/harness/stop_signal.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <sys/prctl.h>

#include <cmath>
#include <deque>
#include <optional>
#include <stdexcept>

namespace linkly::bench {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using clock = std::chrono::steady_clock;

constexpr std::size_t kMaxProblems = 5;
constexpr int kMaxConnectFailures = 3;

struct connection {
  explicit connection(asio::io_context& io) : socket(io) {}
  tcp::socket socket;
  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  std::string out;
  request_ticket ticket;
  clock::time_point start;       // due (open loop) or sent (closed loop)
  std::uint64_t slot = 0;        // open loop: index of its next request
  std::uint64_t generation = 0;  // handlers of an abandoned exchange are ignored
  bool busy = false;             // a request is out, or a connect is
  bool in_flight = false;        // a request is out
  bool wrote = false, read = false;
  bool dead = false;
  int failures = 0;
};

class load_run {
 public:
  load_run(const load_options& options, workload& work)
      : options_(options),
        work_(work),
        endpoint_(asio::ip::make_address_v4("127.0.0.1"), options.port),
        pacer_(io_),
        sampler_(io_),
        watchdog_(io_) {
    result_.offered_rate = options.rate;
  }

  load_result run() {
    for (std::size_t i = 0; i < options_.connections; ++i) {
      auto& c = conns_.emplace_back(io_);
      beast::error_code ec;
      c.socket.connect(endpoint_, ec);
      if (ec)
        throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(options_.port) +
                                 ": " + ec.message());
      c.socket.set_option(tcp::no_delay(true));
      c.slot = i;
    }
    t0_ = clock::now();
    measure_start_ = t0_ + options_.warmup;
    window_end_ = measure_start_ + options_.duration;
    if (open_loop()) {
      double window_s = std::chrono::duration<double>(options_.warmup + options_.duration).count();
      total_ = static_cast<std::uint64_t>(std::ceil(window_s * options_.rate));
    }
    arm_sampler(measure_start_);
    arm_watchdog();
    if (open_loop()) {
      on_pacer();
    } else {
      for (auto& c : conns_) try_send(c);
      check_finished();
    }
    io_.run();
    if (!finished_) finished_at_ = clock::now();
    if (!cpu_sampled_end_) sample_cpu(false);
    finish_result();
    return std::move(result_);
  }

 private:
  bool open_loop() const { return options_.rate > 0; }

  clock::time_point due_time(std::uint64_t index) const {
    return t0_ + std::chrono::nanoseconds(
                     static_cast<std::int64_t>(static_cast<double>(index) * 1e9 / options_.rate));
  }

  // Open loop: everything due by now, handed to its connection if idle.
  void refresh_due(clock::time_point now) {
    if (now < t0_) return;
    double elapsed = std::chrono::duration<double>(now - t0_).count();
    auto due = std::min(total_, static_cast<std::uint64_t>(elapsed * options_.rate) + 1);
    if (due <= due_) return;
    std::uint64_t first = due_;
    due_ = due;
    if (auto at = due_time(first); in_window(at)) {
      result_.generator_lag.record(static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - at).count()));
    }
    // An idle connection's slot is never below the old due_, so each one's
    // first newly due index lies in [first, first + N).
    std::uint64_t end = std::min(due, first + conns_.size());
    for (std::uint64_t j = first; j < end; ++j) try_send(conns_[j % conns_.size()]);
  }

  void on_pacer() {
    if (finished_) return;
    refresh_due(clock::now());
    if (due_ < total_) {
      auto next = due_time(due_);
      const auto spin = options_.spin_within;
      if (spin.count() > 0 && next - clock::now() <= spin) {
        // Handlers queued keep io_.run() polling the sockets without
        // blocking, so this comes back at once.
        asio::post(io_, [this] { on_pacer(); });
      } else {
        pacer_.expires_at(next - spin);
        pacer_.async_wait([this](beast::error_code ec) {
          if (!ec) on_pacer();
        });
      }
    }
    check_finished();
  }

  void try_send(connection& c) {
    if (c.busy || c.dead || finished_) return;
    std::optional<request_ticket> ticket;
    if (open_loop()) {
      if (c.slot >= due_) return;
      ticket = work_.next();
      c.start = due_time(c.slot);
      c.slot += conns_.size();
      if (in_window(c.start)) {
        result_.send_lag.record(static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - c.start).count()));
      }
    } else {
      if (clock::now() >= window_end_ || exhausted_) return;
      ticket = work_.next();
      if (!ticket) {
        exhausted_ = true;
        return;
      }
      c.start = clock::now();
    }
    c.ticket = *ticket;
    send(c);
  }

  void send(connection& c) {
    work_.write_request(c.ticket, c.out);
    c.busy = c.in_flight = true;
    c.wrote = c.read = false;
    c.parser.emplace();
    c.parser->body_limit(1 << 20);
    ++result_.sent;
    ++busy_;
    auto gen = ++c.generation;
    asio::async_write(c.socket, asio::buffer(c.out),
                      [this, &c, gen](beast::error_code ec, std::size_t) {
                        if (gen != c.generation) return;
                        if (ec) return fail(c, ec, "write");
                        c.wrote = true;
                        if (c.read) complete(c);
                      });
    http::async_read(c.socket, c.buffer, *c.parser,
                     [this, &c, gen](beast::error_code ec, std::size_t) {
                       if (gen != c.generation) return;
                       if (ec) return fail(c, ec, "read");
                       c.read = true;
                       if (c.wrote) complete(c);
                     });
  }

  void note(std::string problem) {
    if (result_.problems.size() < kMaxProblems) result_.problems.push_back(std::move(problem));
  }

  bool in_window(clock::time_point start) const {
    return start >= measure_start_ && start < window_end_;
  }

  void complete(connection& c) {
    auto now = clock::now();
    auto& response = c.parser->get();
    unsigned status = response.result_int();
    auto location = response[http::field::location];
    verdict v = work_.check(c.ticket, status, location);
    ++result_.answered;
    // Under overload answers lag their due times: the rate counts what
    // arrives in the window, whenever it was due.
    if (now >= measure_start_ && now < window_end_) ++answered_in_window_;
    if (c.ticket.kind == request_kind::redirect && status == 302) ++result_.redirects_302;
    if (v == verdict::wrong_status) {
      ++result_.wrong_status;
      note("request #" + std::to_string(c.ticket.index) + ": status " + std::to_string(status));
    } else if (v == verdict::wrong_location) {
      ++result_.wrong_location;
      note("redirect of index " + std::to_string(c.ticket.index) + ": Location " +
           std::string(location));
    }
    if (in_window(c.start)) {
      auto ns = static_cast<std::uint64_t>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now - c.start).count());
      (c.ticket.kind == request_kind::redirect ? result_.redirect_latency : result_.create_latency)
          .record(ns);
      ++result_.measured;
    }
    bool keep_alive = response.keep_alive();
    c.busy = c.in_flight = false;
    c.failures = 0;
    --busy_;
    if (!keep_alive) return reconnect(c);
    after_idle(c, now);
  }

  void after_idle(connection& c, clock::time_point now) {
    if (open_loop()) refresh_due(now);
    try_send(c);
    check_finished();
  }

  void fail(connection& c, beast::error_code ec, const char* what) {
    if (finished_) return;
    ++result_.io_errors;
    note(std::string(what) + ": " + ec.message());
    if (c.in_flight) {
      if (c.ticket.kind == request_kind::redirect) ++result_.in_doubt;
      // A failure is a slow answer, not none: charge its wait as abandon() does.
      if (in_window(c.start)) {
        auto ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - c.start).count());
        (c.ticket.kind == request_kind::redirect ? result_.redirect_latency
                                                 : result_.create_latency)
            .record(ns);
      }
      c.in_flight = false;
    }
    c.busy = false;
    --busy_;
    ++c.generation;
    reconnect(c);
  }

  void reconnect(connection& c) {
    beast::error_code ignored;
    c.socket.close(ignored);
    c.buffer.clear();
    if (++c.failures > kMaxConnectFailures) {
      c.dead = true;
      note("connection given up after repeated failures");
      return check_finished();
    }
    c.busy = true;
    ++busy_;
    auto gen = ++c.generation;
    c.socket.async_connect(endpoint_, [this, &c, gen](beast::error_code ec) {
      if (gen != c.generation || finished_) return;
      c.busy = false;
      --busy_;
      if (ec) {
        ++result_.io_errors;
        note(std::string("connect: ") + ec.message());
        return reconnect(c);
      }
      c.socket.set_option(tcp::no_delay(true), ec);
      after_idle(c, clock::now());
    });
  }

  void check_finished() {
    if (finished_ || busy_ != 0) return;
    bool done = open_loop() ? due_ == total_ : (exhausted_ || clock::now() >= window_end_);
    bool all_dead = std::all_of(conns_.begin(), conns_.end(), [](auto& c) { return c.dead; });
    if (done || all_dead) abandon(clock::now());
  }

  void finish() {
    finished_ = true;
    finished_at_ = clock::now();
    io_.stop();
  }

  // CPU time of both sides at the start and end of the measured window.
  void arm_sampler(clock::time_point at) {
    sampler_.expires_at(at);
    sampler_.async_wait([this](beast::error_code ec) {
      if (ec || finished_) return;
      if (!cpu_sampled_start_) {
        sample_cpu(true);
        arm_sampler(window_end_);
      } else {
        sample_cpu(false);
      }
    });
  }

  void sample_cpu(bool start) {
    double server = options_.server_pid > 0 ? process_cpu_seconds(options_.server_pid) : -1;
    double own = own_cpu_seconds();
    auto now = clock::now();
    if (start) {
      cpu_sampled_start_ = true;
      server_cpu_start_ = server;
      own_cpu_start_ = own;
      cpu_start_ = now;
      server_core_.start();
      bench_core_.start();
      return;
    }
    if (!cpu_sampled_start_) return;
    cpu_sampled_end_ = true;
    result_.cpu_window_seconds = std::chrono::duration<double>(now - cpu_start_).count();
    if (server >= 0 && server_cpu_start_ >= 0)
      result_.server_cpu_seconds = server - server_cpu_start_;
    result_.bench_cpu_seconds = own - own_cpu_start_;
    server_core_.stop();
    bench_core_.stop();
    result_.server_core_foreign_seconds = server_core_.seconds();
    result_.bench_core_foreign_seconds = bench_core_.seconds();
  }

  void arm_watchdog() {
    watchdog_.expires_after(std::chrono::milliseconds(50));
    watchdog_.async_wait([this](beast::error_code ec) {
      if (ec || finished_) return;
      auto now = clock::now();
      if (stop_requested()) {
        result_.interrupted = true;
        return abandon(now);
      }
      if (now >= window_end_ + options_.drain_timeout) return abandon(now);
      if (!open_loop()) check_finished();
      arm_watchdog();
    });
  }

  // The drain timed out (or the user stopped the run): what is still owed is
  // counted, and charged its wait so far.
  void abandon(clock::time_point now) {
    for (auto& c : conns_) {
      auto charge = [&](clock::time_point start, request_kind kind) {
        ++result_.unanswered;
        if (!in_window(start)) return;
        auto ns = static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(now - start).count());
        (kind == request_kind::redirect ? result_.redirect_latency : result_.create_latency)
            .record(ns);
      };
      if (c.in_flight) {
        if (c.ticket.kind == request_kind::redirect) ++result_.in_doubt;
        charge(c.start, c.ticket.kind);
      }
      if (open_loop()) {
        for (auto s = c.slot; s < due_; s += conns_.size())
          charge(due_time(s), request_kind::redirect);
      }
    }
    if (result_.unanswered > 0) {
      note(std::to_string(result_.unanswered) + " requests unanswered at the end of the run");
    }
    finish();
  }

  void finish_result() {
    auto& r = result_;
    // Over the window, or its part before an early end (all connections dead).
    auto end = std::min(finished_at_, window_end_);
    if (answered_in_window_ > 0 && end > measure_start_) {
      r.window_seconds = std::chrono::duration<double>(end - measure_start_).count();
      r.achieved_rate = static_cast<double>(answered_in_window_) / r.window_seconds;
    }
  }

  load_options options_;
  workload& work_;
  asio::io_context io_{1};
  tcp::endpoint endpoint_;
  std::deque<connection> conns_;  // stable addresses: handlers hold references
  asio::steady_timer pacer_, sampler_, watchdog_;
  load_result result_;
  clock::time_point t0_, measure_start_, window_end_, finished_at_;
  std::uint64_t answered_in_window_ = 0;
  std::uint64_t total_ = 0;  // open loop: requests due over warm-up + window
  std::uint64_t due_ = 0;    // open loop: requests due so far
  std::size_t busy_ = 0;
  bool exhausted_ = false;
  bool finished_ = false;
  bool cpu_sampled_start_ = false, cpu_sampled_end_ = false;
  double server_cpu_start_ = -1, own_cpu_start_ = 0;
  clock::time_point cpu_start_;
  core_watch server_core_{options_.server_core, options_.server_pid > 0 ? options_.server_pid : -1};
  core_watch bench_core_{options_.bench_core, 0};
};

}  // namespace

load_result run_load(const load_options& options, workload& work) {
  // Timers fire on time, not up to the default 50 µs late.
  ::prctl(PR_SET_TIMERSLACK, 1UL);
  return load_run(options, work).run();
}

}  // namespace linkly::bench
