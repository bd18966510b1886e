#include "bench/harness/goals.hpp"
#include "bench/harness/load_generator.hpp"
#include "bench/harness/report.hpp"
#include "bench/harness/scenarios.hpp"
#include "bench/harness/server_launcher.hpp"
#include "bench/harness/server_metrics.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::bench {
namespace {

using namespace std::chrono_literals;

// --- click audit ---------------------------------------------------------

TEST(ClickAudit, UnreadCountersAreUnverifiedAndLost) {
  click_counters before{.written = 500, .shed = 3};
  settled_clicks after;  // read == false: /metrics never answered
  auto a = audit_clicks(before, after, 100, 0);
  EXPECT_TRUE(a.checked);
  EXPECT_FALSE(a.verified);
  EXPECT_EQ(a.written, 0u);
  EXPECT_EQ(a.shed, 0u);
  EXPECT_EQ(a.lost(), 100u);
}

TEST(ClickAudit, CountersGoingBackwardsDoNotWrap) {
  click_counters before{.written = 500, .shed = 3};
  settled_clicks after{.counters = {.written = 10, .shed = 0}, .read = true, .settled = true};
  auto a = audit_clicks(before, after, 100, 0);
  EXPECT_FALSE(a.verified);
  EXPECT_EQ(a.written, 0u);
  EXPECT_EQ(a.lost(), 100u);
}

TEST(ClickAudit, ReadCountersGiveThisRunsShare) {
  click_counters before{.written = 500, .shed = 3};
  settled_clicks after{.counters = {.written = 590, .shed = 1}, .read = true, .settled = true};
  auto a = audit_clicks(before, after, 100, 2);
  EXPECT_TRUE(a.verified);
  EXPECT_EQ(a.written, 90u);
  EXPECT_EQ(a.shed, 0u);  // floored, not wrapped
  EXPECT_EQ(a.lost(), 10u);
  EXPECT_EQ(a.in_doubt, 2u);
}

TEST(Goals, UnverifiedRunIsNotClean) {
  suite_record suite;
  auto& sc = suite.scenarios.emplace_back();
  sc.name = "queued";
  auto& run = sc.runs.emplace_back();
  run.clicks = audit_clicks({}, settled_clicks{}, 0, 0);  // nothing owed, nothing read
  judge_goals(suite);
  auto goal = std::find_if(suite.goals.begin(), suite.goals.end(),
                           [](auto& g) { return g.goal.find("lost clicks") != std::string::npos; });
  ASSERT_NE(goal, suite.goals.end());
  EXPECT_EQ(goal->verdict, "missed");
  EXPECT_NE(goal->measured.find("1 unverified"), std::string::npos) << goal->measured;
}

// --- settle rule ---------------------------------------------------------

TEST(ClickSettle, QueuedWaitsForClicksNotYetEnqueued) {
  settle_options o;
  o.queued = true;
  // Depth 0 and written still, but 5 answered redirects never reached the queue.
  click_counters c{.written = 95, .shed = 0, .depth = 0, .redirects = 100, .enqueued = 95};
  EXPECT_FALSE(clicks_settled(c, o, 10s));
  c.enqueued = 98;
  c.shed = 2;
  EXPECT_TRUE(clicks_settled(c, o, o.quiet));
  EXPECT_FALSE(clicks_settled(c, o, o.quiet - 1ms));
  c.depth = 1;
  EXPECT_FALSE(clicks_settled(c, o, 10s));
}

TEST(ClickSettle, ExpectedCountSettlesAtOnceOnlyWhenAccounted) {
  settle_options o;
  o.expected_written = 100;
  click_counters c{.written = 100, .redirects = 100, .enqueued = 100};
  EXPECT_TRUE(clicks_settled(c, o, 0s));
  c.redirects = 101;
  EXPECT_FALSE(clicks_settled(c, o, 0s));
}

TEST(ClickSettle, InlineCountsWrittenAndLost) {
  settle_options o;
  o.queued = false;
  click_counters c{.written = 90, .redirects = 100, .lost = 5};
  EXPECT_FALSE(clicks_settled(c, o, 10s));
  c.lost = 10;
  EXPECT_TRUE(clicks_settled(c, o, o.quiet));
}

// --- pinning -------------------------------------------------------------

TEST(Pinning, AllowedSetAndReadBack) {
  EXPECT_FALSE(cpu_allowed(-1));
  EXPECT_FALSE(cpu_allowed(CPU_SETSIZE));
  int cpu = ::sched_getcpu();
  ASSERT_GE(cpu, 0);
  EXPECT_TRUE(cpu_allowed(cpu));
  // On its own thread, so the test process stays unpinned.
  std::thread([cpu] {
    ASSERT_TRUE(pin_current_thread(cpu));
    pid_t self = ::gettid();
    EXPECT_TRUE(affinity_is(self, cpu));
    EXPECT_FALSE(affinity_is(self, cpu + 1));
    EXPECT_FALSE(pin_current_thread(CPU_SETSIZE));
  }).join();
}

// --- goals and report ----------------------------------------------------

run_record open_run(const std::string& label, double rate, std::uint64_t p99_ns) {
  run_record run;
  run.label = label;
  run.load.offered_rate = rate;
  for (int i = 0; i < 100; ++i) run.load.redirect_latency.record(p99_ns);
  return run;
}

TEST(Report, SweepPrintsAnUpperBoundOnlyWhenARunMissed) {
  suite_record suite;
  suite.sweep = {.ran = true, .found = true, .best_rate = 900, .best_p99_us = 500};
  std::ostringstream untested;
  print_table(untested, suite);
  EXPECT_EQ(untested.str().find("missed it"), std::string::npos) << untested.str();
  suite.sweep.missed = true;
  suite.sweep.upper_rate = 950;
  std::ostringstream missed;
  print_table(missed, suite);
  EXPECT_NE(missed.str().find("950 req/s missed it"), std::string::npos) << missed.str();
}

TEST(Goals, NotesGeneratorLagOverATenthOfTheTarget) {
  suite_record suite;
  suite.settings.p99_target_us = 1000;
  auto& sc = suite.scenarios.emplace_back();
  sc.name = "queued";
  auto& calm = sc.runs.emplace_back(open_run("25%", 250, 100'000));
  calm.load.generator_lag.record(50'000);
  note_conditions(suite);
  EXPECT_TRUE(suite.notes.empty());
  auto& late = sc.runs.emplace_back(open_run("50%", 500, 100'000));
  late.load.generator_lag.record(200'000);
  note_conditions(suite);
  ASSERT_EQ(suite.notes.size(), 1u);
  EXPECT_NE(suite.notes[0].find("queued 50%"), std::string::npos) << suite.notes[0];
  auto json = json_report(suite);
  EXPECT_NE(json.find("\"generator_lag\""), std::string::npos);
}

// --- load generator against a loopback peer ------------------------------

// A peer on 127.0.0.1 that either closes every connection at once or
// answers each request with a 302 after `delay`.
class fake_peer {
 public:
  explicit fake_peer(bool answer, std::chrono::milliseconds delay = {})
      : answer_(answer), delay_(delay) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        ::listen(fd_, 16) != 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len)) {
      ADD_FAILURE() << "fake peer cannot listen";
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~fake_peer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    acceptor_.join();
    for (int c : clients_) ::shutdown(c, SHUT_RDWR);
    for (auto& t : handlers_) t.join();
    for (int c : clients_) ::close(c);
    ::close(fd_);
  }
  std::uint16_t port() const { return port_; }

 private:
  void accept_loop() {
    while (!stop_) {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      if (!answer_) {
        ::close(c);
        continue;
      }
      clients_.push_back(c);
      handlers_.emplace_back([this, c] { serve(c); });
    }
  }
  void serve(int c) {
    static const std::string reply =
        "HTTP/1.1 302 Found\r\nLocation: https://example.com/x\r\nContent-Length: 0\r\n\r\n";
    std::string in;
    char buf[4096];
    for (;;) {
      auto n = ::read(c, buf, sizeof buf);
      if (n <= 0) return;
      in.append(buf, static_cast<std::size_t>(n));
      for (auto end = in.find("\r\n\r\n"); end != std::string::npos; end = in.find("\r\n\r\n")) {
        in.erase(0, end + 4);
        std::this_thread::sleep_for(delay_);
        if (::send(c, reply.data(), reply.size(), MSG_NOSIGNAL) < 0) return;
      }
    }
  }

  bool answer_;
  std::chrono::milliseconds delay_;
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<int> clients_;
  std::vector<std::thread> handlers_;
};

TEST(LoadGenerator, FailedRequestsStayInTheHistogram) {
  fake_peer peer(false);
  workload work({.links = 10});
  load_options lo{.port = peer.port(), .connections = 1, .warmup = 0s, .duration = 2s};
  auto r = run_load(lo, work);
  EXPECT_GT(r.io_errors, 0u);
  EXPECT_EQ(r.measured, 0u);
  ASSERT_GT(r.in_doubt, 0u);
  // Every failed redirect of the window is charged its wait, none dropped.
  EXPECT_EQ(r.redirect_latency.count(), r.in_doubt);
}

TEST(LoadGenerator, OverloadRateIsAnswersReceivedInTheWindow) {
  // About 400 answers/s at most against 2000/s offered.
  fake_peer peer(true, 2ms);
  workload work({.links = 10});
  load_options lo{.port = peer.port(),
                  .connections = 1,
                  .rate = 2000,
                  .warmup = 200ms,
                  .duration = 500ms,
                  .drain_timeout = 200ms};
  auto r = run_load(lo, work);
  EXPECT_NEAR(r.window_seconds, 0.5, 1e-6);
  EXPECT_GT(r.achieved_rate, 50);
  EXPECT_LT(r.achieved_rate, 600);
  EXPECT_GT(r.generator_lag.count(), 0u);
}

TEST(LoadGenerator, SpinningPacerSendsEveryRequestDueAndCountsItsLag) {
  fake_peer peer(true);
  workload work({.links = 10});
  load_options lo{.port = peer.port(),
                  .connections = 2,
                  .rate = 500,
                  .warmup = 100ms,
                  .duration = 400ms,
                  .drain_timeout = 1s,
                  .spin_within = 1ms};
  auto r = run_load(lo, work);
  // 0.5 s at 500/s: 250 requests due, each sent once and answered.
  EXPECT_EQ(r.sent, 250u);
  EXPECT_EQ(r.answered, 250u);
  EXPECT_EQ(r.io_errors, 0u);
  EXPECT_EQ(r.unanswered, 0u);
  // One lag sample per pacer round that found requests due in the window.
  EXPECT_GT(r.generator_lag.count(), 0u);
  EXPECT_LE(r.generator_lag.count(), 200u);
}

}  // namespace
}  // namespace linkly::bench
