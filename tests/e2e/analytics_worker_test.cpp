// examples/analytics_worker.py against a real `linkly serve`: it counts the
// links created per UTC day from /events, and its checkpoint makes a second
// run count only what was created since.

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#ifndef LINKLY_SOURCE_DIR
#error "LINKLY_SOURCE_DIR must name the source tree (tests/CMakeLists.txt)"
#endif

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

struct worker_run {
  exit_status status;
  std::string output;
};

class AnalyticsWorkerTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  // Creates `code`; returns the UTC day of its created_at ("YYYY-MM-DD").
  std::string create(const std::string& code) {
    http_response res = create_link(client_, "https://example.com/" + code, code);
    EXPECT_EQ(res.status, 201) << res.describe();
    boost::json::object body = json_object(res);
    if (!body.contains("created_at")) return {};
    return std::string(body.at("created_at").as_string()).substr(0, 10);
  }

  // The worker until it has applied the event at `seq`, bounded.
  worker_run run_worker(std::uint64_t seq) {
    spawn_options opts;
    opts.args = {"/usr/bin/env",
                 "python3",
                 std::string(LINKLY_SOURCE_DIR) + "/examples/analytics_worker.py",
                 "http://127.0.0.1:" + std::to_string(server_.port()),
                 "--state",
                 state_path_,
                 "--until-seq",
                 std::to_string(seq)};
    child_process child(opts);
    worker_run run;
    auto status = child.wait_for(30s);
    run.status = status ? *status : child.kill_and_wait();
    char buf[4096];
    for (ssize_t n; (n = ::read(child.stdout_fd(), buf, sizeof buf)) > 0;)
      run.output.append(buf, n);
    return run;
  }

  // The worker's state file: its checkpoint and counts.
  boost::json::object state() {
    std::ifstream in(state_path_);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    auto value = boost::json::parse(text.str(), ec);
    return !ec && value.is_object() ? value.as_object() : boost::json::object{};
  }

  static std::map<std::string, std::uint64_t> counts(const boost::json::object& st) {
    std::map<std::string, std::uint64_t> out;
    if (!st.contains("created_per_day")) return out;
    for (const auto& [day, n] : st.at("created_per_day").as_object()) {
      out[std::string(day)] = n.to_number<std::uint64_t>();
    }
    return out;
  }

  temp_dir data_;
  temp_dir work_{"linkly-worker-"};
  std::string state_path_ = work_.path() + "/analytics_state.json";
  server_process server_{data_.path()};
  http_client client_{server_.port()};
};

TEST_F(AnalyticsWorkerTest, CountsLinksCreatedPerDayAndResumesFromItsCheckpoint) {
  std::map<std::string, std::uint64_t> expected;
  for (const char* code : {"a1", "a2", "a3"}) ++expected[create(code)];
  // An update (seq 4) is an event but not a creation.
  ASSERT_EQ(client_.put("/links/a2", R"({"url":"https://example.com/moved"})").status, 200);

  worker_run first = run_worker(4);
  ASSERT_TRUE(first.status.success()) << first.status.describe() << "\n" << first.output;
  boost::json::object st = state();
  EXPECT_EQ(st.at("last_seq").to_number<std::uint64_t>(), 4u) << first.output;
  EXPECT_EQ(counts(st), expected) << first.output;
  EXPECT_NE(first.output.find("applied 4 events"), std::string::npos) << first.output;

  for (const char* code : {"b1", "b2"}) ++expected[create(code)];
  worker_run second = run_worker(6);
  ASSERT_TRUE(second.status.success()) << second.status.describe() << "\n" << second.output;
  st = state();
  EXPECT_EQ(st.at("last_seq").to_number<std::uint64_t>(), 6u) << second.output;
  EXPECT_EQ(counts(st), expected) << second.output;
  // Only the two new events were read and applied.
  EXPECT_NE(second.output.find("applied 2 events (seq 4 -> 6)"), std::string::npos)
      << second.output;
}

}  // namespace
}  // namespace linkly::e2e
