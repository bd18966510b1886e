// SIGKILL while redirects stream in, then a restart on the same data: the
// analytics projection writes its state and its checkpoints in one snapshot
// file, so once it has caught up with both logs it counts every click of the
// clicks log exactly once — none twice, none skipped — and the store the
// crash left behind is what a rebuild to its own checkpoints gives. (With
// the default snapshot settings the kill usually comes before the first
// snapshot of clicks; snapshot_crash_test kills mid-snapshot.)

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

constexpr int kLinks = 5;
constexpr int kClients = 4;
constexpr int kMaxPerClient = 20'000;  // far more than the run allows
// The kill comes once the clicks log holds this many clicks, or after
// kMaxRun, whichever is first.
constexpr std::uint64_t kClicksBeforeKill = 3'000;
constexpr auto kMaxRun = 5s;
constexpr auto kDeadline = 10s;
constexpr auto kPollInterval = 20ms;

std::string code_of(int i) {
  return "pc" + std::to_string(i);
}

// {"links":{"checkpoint","head"},"clicks":{...}} of an answer, with
// checkpoint == head for both logs.
bool caught_up(const boost::json::object& body) {
  const boost::json::value* f = body.if_contains("freshness");
  if (f == nullptr || !f->is_object()) return false;
  for (const char* log : {"links", "clicks"}) {
    const boost::json::value* p = f->as_object().if_contains(log);
    if (p == nullptr || !p->is_object()) return false;
    if (number(p->as_object(), "checkpoint") != number(p->as_object(), "head")) return false;
  }
  return true;
}

std::uint64_t head_of(const boost::json::object& body, const char* log) {
  return number(body.at("freshness").as_object().at(log).as_object(), "head");
}

// Every linkly_projection_lag_events sample of a /metrics body is 0 (and
// there is at least one).
bool no_projection_lag(const std::string& metrics) {
  std::istringstream lines(metrics);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    if (line.rfind("linkly_projection_lag_events{", 0) != 0) continue;
    ++samples;
    if (line.substr(line.rfind(' ') + 1) != "0") return false;
  }
  return samples > 0;
}

// What the restarted server reports once its projections have caught up.
struct projected {
  std::map<std::string, std::uint64_t> clicks;  // `clicks` of GET /links/{code}
  std::uint64_t links_head = 0;
  std::uint64_t clicks_head = 0;
};

class ProjectionCrashTest : public ::testing::Test {
 protected:
  // Creates the links, then GETs /s/{code} from kClients threads and
  // SIGKILLs the server while they run.
  void crash_under_redirects() {
    server_process server(data_.path());
    {
      http_client client(server.port());
      for (int i = 0; i < kLinks; ++i) {
        http_response res = create_link(client, "https://example.com/" + code_of(i), code_of(i));
        ASSERT_EQ(res.status, 201) << res.describe();
      }
    }
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> sent{0}, redirected{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        http_client client(server.port(), 5s);
        for (int i = 0; i < kMaxPerClient && !stop.load(); ++i) {
          sent.fetch_add(1);
          http_response res = client.get("/s/" + code_of((c + i) % kLinks));
          if (!res.ok()) break;  // the server is gone
          if (res.status == 302) redirected.fetch_add(1);
        }
      });
    }
    // Crash once clicks are flowing through the log and the projection.
    http_client watcher(server.port(), 5s);
    // Killed after kMaxRun regardless: the checks below tell what it caught.
    linkly::testing::eventually(
        [&] {
          http_response summary = watcher.get("/clicks/summary");
          return number(json_object(summary), "total") >= kClicksBeforeKill;
        },
        kMaxRun, kPollInterval);
    exit_status killed = server.kill9();
    stop.store(true);
    for (auto& t : clients) t.join();
    sent_ = sent.load();
    redirected_ = redirected.load();
    EXPECT_EQ(killed.signal, SIGKILL)
        << "the server ended before the kill: " << killed.describe() << "\n"
        << server.output_text();
    ASSERT_GT(redirected_, 0u) << "no redirect was answered\n" << server.output_text();
    // Where the crash left analytics, to show the kill landed mid-stream.
    auto analytics = projection_contents(data_.path() + "/analytics");
    std::cout << "[          ] " << sent_ << " redirects sent, " << redirected_
              << " answered 302 before the kill; analytics left at clicks checkpoint "
              << analytics["checkpoint:clicks"] << "\n";
  }

  // Waits until every link's freshness shows both logs applied and /metrics
  // shows no lag, then reads each link's click total once more.
  void read_caught_up(http_client& client, projected* out) {
    std::string last;
    // How far behind the crash left analytics (it may catch up before the
    // first read, so this is reported, not asserted).
    boost::json::object first = json_object(client.get("/links/" + code_of(0)));
    if (const auto* f = first.if_contains("freshness"); f != nullptr && f->is_object()) {
      const auto* clicks = f->as_object().if_contains("clicks");
      if (clicks != nullptr && clicks->is_object()) {
        std::cout << "[          ] after the restart: clicks checkpoint "
                  << number(clicks->as_object(), "checkpoint") << " of head "
                  << number(clicks->as_object(), "head") << "\n";
      }
    }
    bool done = linkly::testing::eventually(
        [&] {
          for (int i = 0; i < kLinks; ++i) {
            http_response res = client.get("/links/" + code_of(i));
            if (res.status != 200 || !caught_up(json_object(res))) {
              return last = res.describe(), false;
            }
          }
          http_response metrics = client.get("/metrics");
          if (!no_projection_lag(metrics.body)) return last = metrics.describe(), false;
          return true;
        },
        kDeadline, kPollInterval);
    ASSERT_TRUE(done) << "projections did not catch up within " << kDeadline.count()
                      << " s; last answer:\n"
                      << last;
    // Read after catch-up: an answer's total may predate its own freshness.
    for (int i = 0; i < kLinks; ++i) {
      http_response res = client.get("/links/" + code_of(i));
      ASSERT_EQ(res.status, 200) << res.describe();
      boost::json::object body = json_object(res);
      ASSERT_TRUE(caught_up(body)) << res.describe();
      ASSERT_TRUE(body.contains("clicks")) << res.describe();
      out->clicks[code_of(i)] = number(body, "clicks");
      out->links_head = head_of(body, "links");
      out->clicks_head = head_of(body, "clicks");
    }
  }

  // Restarts on the same data, waits for the projections, stops cleanly.
  void restart_until_caught_up(projected* out) {
    server_process server(data_.path());
    http_client client(server.port());
    ASSERT_NO_FATAL_FAILURE(read_caught_up(client, out)) << server.output_text();
    client.close();
    exit_status st = server.stop();
    ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
  }

  temp_dir data_;
  std::uint64_t sent_ = 0;
  std::uint64_t redirected_ = 0;
};

TEST_F(ProjectionCrashTest, ClickTotalsMatchTheClicksLogExactlyAfterSigkill) {
  ASSERT_NO_FATAL_FAILURE(crash_under_redirects());

  projected seen;
  {
    server_process server(data_.path());
    http_client client(server.port());
    ASSERT_NO_FATAL_FAILURE(read_caught_up(client, &seen)) << server.output_text();
    EXPECT_EQ(seen.links_head, static_cast<std::uint64_t>(kLinks)) << "only creates were sent";
    ASSERT_GT(seen.clicks_head, 0u) << "no click reached the log before the kill";
    EXPECT_LE(seen.clicks_head, sent_) << "more clicks logged than redirects sent";

    std::uint64_t sum = 0;
    for (const auto& [code, n] : seen.clicks) sum += n;
    EXPECT_EQ(sum, seen.clicks_head) << "clicks counted over the links vs the clicks log head";
    http_response summary = client.get("/clicks/summary");
    ASSERT_EQ(summary.status, 200) << summary.describe();
    EXPECT_EQ(number(json_object(summary), "total"), seen.clicks_head) << summary.describe();

    http_response daily = client.get("/analytics/daily");
    ASSERT_EQ(daily.status, 200) << daily.describe();
    boost::json::object body = json_object(daily);
    ASSERT_TRUE(caught_up(body)) << daily.describe();
    std::uint64_t created = 0;
    for (const auto& row : body.at("rows").as_array()) created += number(row.as_object(), "count");
    EXPECT_EQ(created, static_cast<std::uint64_t>(kLinks)) << daily.describe();

    client.close();
    exit_status st = server.stop();
    ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
  }

  cli_result dump = run_linkly({"log", "dump", "clicks", "--data", data_.path()});
  ASSERT_EQ(dump.exit_code(), 0) << dump.describe();
  std::string why;
  auto events = parse_dump(dump.out_lines(), &why);
  ASSERT_TRUE(events.has_value()) << why;
  ASSERT_EQ(events->size(), seen.clicks_head) << "events in the dump vs the clicks log head";
  std::map<std::string, std::uint64_t> logged;
  for (int i = 0; i < kLinks; ++i) logged[code_of(i)] = 0;
  for (std::size_t i = 0; i < events->size(); ++i) {
    const dumped_event& e = (*events)[i];
    ASSERT_EQ(e.seq, i + 1) << "sequence numbers must be consecutive from 1";
    ASSERT_EQ(e.type, "ClickRecorded");
    ASSERT_EQ(logged.count(e.code), 1u) << "a click for a code never redirected: " << e.code;
    ++logged[e.code];
  }
  EXPECT_EQ(seen.clicks, logged) << "per-link clicks (GET /links) vs ClickRecorded in the log";
  std::cout << "[          ] " << seen.clicks_head << " clicks in the log, each counted once\n";
}

TEST_F(ProjectionCrashTest, ReplayVerifyFindsTheStoresIdenticalAfterSigkill) {
  ASSERT_NO_FATAL_FAILURE(crash_under_redirects());

  // As the crash left them: each store agrees with a rebuild to its own
  // checkpoints (state and checkpoint were committed together).
  cli_result crashed = run_linkly({"replay", "--verify", "--data", data_.path()});
  EXPECT_EQ(crashed.exit_code(), 0) << crashed.describe();

  // And after a restart has caught up and stopped cleanly.
  projected seen;
  ASSERT_NO_FATAL_FAILURE(restart_until_caught_up(&seen));
  cli_result stopped = run_linkly({"replay", "--verify", "--data", data_.path()});
  EXPECT_EQ(stopped.exit_code(), 0) << stopped.describe();
  EXPECT_NE(stopped.out.find("analytics: identical"), std::string::npos) << stopped.describe();
  EXPECT_NE(stopped.out.find("cache: identical"), std::string::npos) << stopped.describe();
}

}  // namespace
}  // namespace linkly::e2e
