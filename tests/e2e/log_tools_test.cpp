// `linkly log stats|check|tail`: counting and checking a stopped server's
// logs offline, and following a running one over SSE.

#include "tests/support/child_process.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/mixed_workload.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::uint64_t sum_of(const boost::json::value& counts) {
  std::uint64_t n = 0;
  if (!counts.is_object()) return 0;
  for (const auto& kv : counts.as_object()) n += kv.value().to_number<std::uint64_t>();
  return n;
}

class LogToolsTest : public MixedWorkloadTest {
 protected:
  std::string links_dir() const { return data_.path() + "/links"; }

  workload_counts done_;
};

TEST_F(LogToolsTest, StatsCountWhatWasDone) {
  cli_result links = run({"log", "stats", "links"});
  ASSERT_EQ(links.exit_code(), 0) << links.describe();
  ASSERT_EQ(links.out_lines().size(), 1u) << links.describe();
  boost::json::object s = parse_json_line(links.out);
  EXPECT_EQ(s["log"], "links");
  EXPECT_EQ(s["records"], done_.links_events());
  EXPECT_EQ(s["first_seq"], 1);
  EXPECT_EQ(s["last_seq"], done_.links_events());
  boost::json::object types = s["by_type"].as_object();
  EXPECT_EQ(types["LinkCreated"], done_.created);
  EXPECT_EQ(types["LinkUpdated"], done_.updated);
  EXPECT_EQ(types["LinkDeleted"], done_.deleted);
  EXPECT_EQ(sum_of(s["by_day"]), done_.links_events()) << links.out;

  cli_result clicks = run({"log", "stats", "clicks"});
  ASSERT_EQ(clicks.exit_code(), 0) << clicks.describe();
  boost::json::object c = parse_json_line(clicks.out);
  EXPECT_EQ(c["records"], done_.redirects);
  EXPECT_EQ(c["by_type"].as_object()["ClickRecorded"], done_.redirects);
  EXPECT_EQ(sum_of(c["by_day"]), done_.redirects) << clicks.out;
}

TEST_F(LogToolsTest, CheckPassesOnIntactLogs) {
  cli_result res = run({"log", "check"});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  auto lines = res.out_lines();
  ASSERT_EQ(lines.size(), 2u) << res.describe();
  boost::json::object links = parse_json_line(lines[0]);
  EXPECT_EQ(links["log"], "links");
  EXPECT_EQ(links["records"], done_.links_events());
  EXPECT_EQ(links["first_seq"], 1);
  EXPECT_EQ(links["last_seq"], done_.links_events());
  EXPECT_EQ(links["ok"], true);
  boost::json::object clicks = parse_json_line(lines[1]);
  EXPECT_EQ(clicks["log"], "clicks");
  EXPECT_EQ(clicks["records"], done_.redirects);
  EXPECT_EQ(clicks["ok"], true);
}

TEST_F(LogToolsTest, CheckNamesTheSeqOfARecordWithABadChecksum) {
  overwrite_log_record(links_dir(), 3, "not a record");
  cli_result res = run({"log", "check", "links"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: links log: ")) << res.describe();
  EXPECT_TRUE(contains(res.err, "seq 3")) << res.describe();
  boost::json::object summary = parse_json_line(res.out);
  EXPECT_EQ(summary["ok"], false);
  EXPECT_EQ(summary["records"], 2) << "the two records before the damage";
}

TEST_F(LogToolsTest, CheckNamesTheSeqOfAnUndecodablePayload) {
  // The record itself is intact (checksum, seq): only its event is garbage.
  overwrite_log_record(links_dir(), 2, link_created_record(2, "b", "\xff\xff\xff"));
  cli_result res = run({"log", "check", "links"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: links log: seq 2: undecodable LinkCreated"))
      << res.describe();
  boost::json::object summary = parse_json_line(res.out);
  EXPECT_EQ(summary["ok"], false);
  EXPECT_EQ(summary["records"], done_.links_events()) << "every record was still read";
  EXPECT_EQ(summary["bad_payloads"], 1);
}

TEST_F(LogToolsTest, CheckNamesAGap) {
  erase_log_record(links_dir(), 3);
  cli_result res = run({"log", "check", "links"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "expected seq 3")) << res.describe();
}

TEST_F(LogToolsTest, CheckNamesADamagedLastRecord) {
  overwrite_log_record(links_dir(), done_.links_events(), "broken tail");
  cli_result res = run({"log", "check", "links"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "seq " + std::to_string(done_.links_events()))) << res.describe();
}

TEST_F(LogToolsTest, StatsAndCheckRefuseWhileAServerRuns) {
  server_process server(data_.path());
  for (const char* cmd : {"stats", "check"}) {
    cli_result res = run({"log", cmd, "links"});
    EXPECT_NE(res.exit_code(), 0) << res.describe();
    EXPECT_TRUE(contains(res.err, "running linkly server")) << res.describe();
    EXPECT_TRUE(res.out.empty()) << res.describe();
  }
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(LogToolsCliTest, StatsOfAMissingLogFailsClearly) {
  temp_dir data;
  cli_result res = run_linkly({"log", "stats", "links", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: no links log")) << res.describe();
}

// A running `linkly log tail` whose output the test reads as it comes.
class tail_process {
 public:
  explicit tail_process(std::vector<std::string> args) {
    spawn_options spawn;
    spawn.args.push_back(linkly_binary());
    spawn.args.insert(spawn.args.end(), args.begin(), args.end());
    spawn.merge_stderr = false;
    child_ = std::make_unique<child_process>(spawn);
  }

  // Reads stdout until it has `n` lines or `timeout` passes.
  std::vector<std::string> read_lines(std::size_t n, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (count_lines() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !read_some(static_cast<int>(left.count()))) break;
    }
    std::vector<std::string> lines;
    std::size_t start = 0;
    for (std::size_t nl; (nl = out_.find('\n', start)) != std::string::npos; start = nl + 1) {
      lines.push_back(out_.substr(start, nl - start));
    }
    return lines;
  }

  child_process& child() { return *child_; }
  const std::string& out() const { return out_; }

 private:
  std::size_t count_lines() const { return std::count(out_.begin(), out_.end(), '\n'); }

  // False at the end of the output or on timeout.
  bool read_some(int timeout_ms) {
    pollfd p{child_->stdout_fd(), POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[4096];
    ssize_t n = ::read(child_->stdout_fd(), buf, sizeof buf);
    if (n <= 0) return false;
    out_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  std::unique_ptr<child_process> child_;
  std::string out_;
};

TEST(LogTailTest, PrintsExactlyTheLimitOfEventsOfARunningServer) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  for (const char* code : {"t1", "t2", "t3"}) {
    ASSERT_EQ(create_link(client, std::string("https://example.com/") + code, code).status, 201);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  cli_result res =
      run_linkly({"log", "tail", "links", "--url", url, "--from", "1", "--limit", "3"}, {{}, 20s});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  std::string why;
  auto events = parse_dump(res.out_lines(), &why);
  ASSERT_TRUE(events.has_value()) << why << "\n" << res.describe();
  ASSERT_EQ(events->size(), 3u) << res.describe();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*events)[i].seq, i + 1);
    EXPECT_EQ((*events)[i].type, "LinkCreated");
    EXPECT_EQ((*events)[i].code, "t" + std::to_string(i + 1));
  }

  // The same lines as `log dump` prints once the server is gone.
  client.close();
  ASSERT_TRUE(server.stop().success()) << server.output_text();
  cli_result dump = run_linkly({"log", "dump", "links", "--data", data.path()});
  EXPECT_EQ(dump.out, res.out);
}

TEST(LogTailTest, FollowsEventsAppendedAfterItStartedAndStopsOnSigterm) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/1", "first").status, 201);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  tail_process tail({"log", "tail", "--url", url, "--from", "2"});

  ASSERT_EQ(create_link(client, "https://example.com/2", "second").status, 201);
  ASSERT_EQ(client.put("/links/second", link_body("https://example.com/2b")).status, 200);
  auto lines = tail.read_lines(2, 15s);
  ASSERT_EQ(lines.size(), 2u) << tail.out();
  std::string why;
  auto events = parse_dump(lines, &why);
  ASSERT_TRUE(events.has_value()) << why;
  EXPECT_EQ((*events)[0].seq, 2u);
  EXPECT_EQ((*events)[0].code, "second");
  EXPECT_EQ((*events)[1].type, "LinkUpdated");

  tail.child().signal(SIGTERM);
  auto st = tail.child().wait_for(10s);
  ASSERT_TRUE(st.has_value()) << "tail did not stop on SIGTERM";
  EXPECT_TRUE(st->success()) << st->describe();
  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(LogTailTest, ResumesAfterTheServerRestarts) {
  temp_dir data;
  auto first = std::make_unique<server_process>(data.path());
  const std::uint16_t port = first->port();
  {
    http_client client(port);
    ASSERT_EQ(create_link(client, "https://example.com/1", "r1").status, 201);
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  tail_process tail({"log", "tail", "--url", url, "--from", "1", "--limit", "3"});
  ASSERT_EQ(tail.read_lines(1, 15s).size(), 1u) << tail.out();

  ASSERT_TRUE(first->stop().success()) << first->output_text();
  first.reset();
  server_options same_port;
  same_port.listen = "127.0.0.1:" + std::to_string(port);
  server_process second(data.path(), same_port);
  http_client client(second.port());
  ASSERT_EQ(create_link(client, "https://example.com/2", "r2").status, 201);
  ASSERT_EQ(create_link(client, "https://example.com/3", "r3").status, 201);

  auto lines = tail.read_lines(3, 20s);
  std::string why;
  auto events = parse_dump(lines, &why);
  ASSERT_TRUE(events.has_value()) << why;
  ASSERT_EQ(events->size(), 3u) << tail.out();
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*events)[i].seq, i + 1) << "each event once, in order\n" << tail.out();
  }
  auto st = tail.child().wait_for(10s);
  ASSERT_TRUE(st.has_value()) << "tail did not exit after --limit 3";
  EXPECT_TRUE(st->success()) << st->describe();
  client.close();
  EXPECT_TRUE(second.stop().success()) << second.output_text();
}

TEST(LogTailTest, PrintsClicksFromTheLiveStream) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/c", "clicky").status, 201);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  tail_process tail({"log", "tail", "clicks", "--url", url, "--limit", "1"});

  // The stream is live only: clicks before the tail subscribed are not
  // sent, so keep clicking (bounded) until one arrives.
  std::vector<std::string> lines;
  auto deadline = std::chrono::steady_clock::now() + 15s;
  while (lines.empty() && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(client.get("/s/clicky").status, 302);
    lines = tail.read_lines(1, 200ms);
  }
  ASSERT_EQ(lines.size(), 1u) << tail.out();
  boost::json::object click = parse_json_line(lines[0]);
  EXPECT_EQ(click["code"], "clicky") << lines[0];
  EXPECT_TRUE(click.contains("clicked_at")) << lines[0];
  auto st = tail.child().wait_for(10s);
  ASSERT_TRUE(st.has_value()) << "tail did not exit after --limit 1";
  EXPECT_TRUE(st->success()) << st->describe();
  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(LogTailTest, GivesUpWhenTheServerIsGone) {
  temp_dir data;
  std::uint16_t port = 0;
  {
    server_process server(data.path());
    port = server.port();
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  cli_result res = run_linkly(
      {"log", "tail", "--url", "http://127.0.0.1:" + std::to_string(port), "--retries", "2"},
      {{}, 20s});
  EXPECT_FALSE(res.timed_out) << res.describe();
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "gave up after 2 reconnect attempts")) << res.describe();
}

TEST(LogTailTest, RefusesABadUrl) {
  cli_result res = run_linkly({"log", "tail", "--url", "ftp://example.com"});
  EXPECT_EQ(res.exit_code(), 2) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: --url")) << res.describe();
}

}  // namespace
}  // namespace linkly::e2e
