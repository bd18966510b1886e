// A links log whose newest LevelDB .log is damaged (a torn tail, a flipped
// byte) after its records were acknowledged and applied by the projections:
// `log check` names the lost seqs without changing the files, `serve`
// refuses to start naming the missing range, `log repair` restores the links
// the cache still holds, and `log repair --truncate` rewinds every
// projection without ever handing a lost seq to a new event.

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

// Links created before the damage: few and small, so they stay in the .log
// (LevelDB's memtable holds megabytes before it writes a table).
constexpr int kLinks = 30;
// How long the projections get to apply every created link.
constexpr auto kApplyTimeout = 30s;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

std::string code_of(int i) {
  return "dmg" + std::to_string(i);
}
std::string url_of(int i) {
  return "https://example.com/damaged/" + std::to_string(i);
}

class DamagedLogTest : public ::testing::Test {
 protected:
  std::string links_dir() const { return data_.path() + "/links"; }

  cli_result run(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_.path());
    return run_linkly(args);
  }

  // `n` links, created and applied by both projections, then a clean stop:
  // the cache and analytics hold seq n, all in the newest .log.
  void create_links(int n = kLinks) {
    server_process server(data_.path());
    http_client client(server.port());
    for (int i = 1; i <= n; ++i) {
      http_response res = create_link(client, url_of(i), code_of(i));
      ASSERT_EQ(res.status, 201) << res.describe();
    }
    const auto deadline = std::chrono::steady_clock::now() + kApplyTimeout;
    for (;;) {
      http_response res = client.get("/metrics");
      ASSERT_EQ(res.status, 200) << res.describe();
      auto cache = metric_sample(
          res.body, "linkly_projection_checkpoint{projection=\"cache\",log=\"links\"}");
      auto analytics = metric_sample(
          res.body, "linkly_projection_checkpoint{projection=\"analytics\",log=\"links\"}");
      if (cache == n && analytics == n) break;
      ASSERT_LT(std::chrono::steady_clock::now(), deadline)
          << "the projections did not apply " << n << " links\n"
          << res.body;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(server.stop().success()) << server.output_text();
    // The damage below must hit acknowledged records: they are in the .log.
    ASSERT_FALSE(has_table_files(links_dir())) << "records were flushed to a table";
    cli_result check = run({"log", "check", "links"});
    ASSERT_EQ(check.exit_code(), 0) << check.describe();
  }

  // `log check` exits 1 and names `first`..kLinks as missing, and the files
  // are as they were (the check ran LevelDB's recovery on a copy).
  void expect_check_names_loss(std::uint64_t first) {
    const std::string log = newest_log_file(links_dir());
    const auto size = std::filesystem::file_size(log);
    cli_result check = run({"log", "check", "links"});
    EXPECT_EQ(check.exit_code(), 1) << check.describe();
    ASSERT_FALSE(check.out_lines().empty()) << check.describe();
    boost::json::object summary = parse_json_line(check.out_lines().front());
    EXPECT_EQ(summary["ok"], false) << check.describe();
    EXPECT_EQ(summary["head"].to_number<std::uint64_t>(), first - 1) << check.describe();
    const auto& dropped = summary["dropped"].as_array();
    ASSERT_FALSE(dropped.empty()) << check.describe();
    EXPECT_EQ(dropped.back().at("last_seq").to_number<std::uint64_t>(), std::uint64_t{kLinks})
        << check.describe();
    const auto& missing = summary["missing"].as_array();
    ASSERT_FALSE(missing.empty()) << check.describe();
    EXPECT_EQ(missing.front().at("first_missing").to_number<std::uint64_t>(), first);
    EXPECT_EQ(missing.front().at("last_missing").to_number<std::uint64_t>(), std::uint64_t{kLinks});
    EXPECT_TRUE(contains(check.err, "the cache holds seq " + std::to_string(kLinks)))
        << check.describe();
    EXPECT_TRUE(contains(check.err, "log repair")) << check.describe();
    EXPECT_EQ(newest_log_file(links_dir()), log) << "the check changed the store";
    EXPECT_EQ(std::filesystem::file_size(log), size) << "the check changed the store";
  }

  // `serve` exits non-zero naming the missing range, and leaves the damage.
  void expect_serve_refuses(std::uint64_t first) {
    const std::string log = newest_log_file(links_dir());
    cli_result serve = run({"serve", "--listen", "127.0.0.1:0"});
    EXPECT_NE(serve.exit_code(), 0) << serve.describe();
    EXPECT_FALSE(serve.timed_out) << serve.describe();
    const std::string range = first == kLinks ? "record " + std::to_string(first) + " is missing"
                                              : "records " + std::to_string(first) + "-" +
                                                    std::to_string(kLinks) + " are missing";
    const std::string text = serve.out + serve.err;
    EXPECT_TRUE(contains(text, "the links log ends at seq " + std::to_string(first - 1) +
                                   " but the cache holds seq " + std::to_string(kLinks) + ": " +
                                   range))
        << serve.describe();
    EXPECT_TRUE(contains(text, "linkly log repair")) << serve.describe();
    EXPECT_EQ(newest_log_file(links_dir()), log) << "serve opened the damaged store";
  }

  // After `log repair`: a server answers 302 for every acknowledged link.
  void expect_repair_restores_every_link(int n = kLinks) {
    cli_result repair = run({"log", "repair"});
    ASSERT_EQ(repair.exit_code(), 0) << repair.describe();
    boost::json::object summary = parse_json_line(repair.out_lines().front());
    EXPECT_EQ(summary["mode"], "restore") << repair.describe();
    EXPECT_GT(summary["restored_links"].to_number<std::uint64_t>(), 0u) << repair.describe();
    cli_result check = run({"log", "check"});
    EXPECT_EQ(check.exit_code(), 0) << check.describe();
    cli_result verify = run({"replay", "--verify"});
    EXPECT_EQ(verify.exit_code(), 0) << verify.describe();

    server_process server(data_.path());
    http_client client(server.port());
    for (int i = 1; i <= n; ++i) {
      http_response res = client.get("/s/" + code_of(i));
      EXPECT_EQ(res.status, 302) << code_of(i) << ": " << res.describe();
      EXPECT_EQ(res.header("Location"), url_of(i)) << res.describe();
    }
    EXPECT_TRUE(server.stop().success()) << server.output_text();
  }

  temp_dir data_;
};

TEST_F(DamagedLogTest, TornTailIsNamedRefusedAndRestored) {
  ASSERT_NO_FATAL_FAILURE(create_links());
  truncate_file_by(newest_log_file(links_dir()), 5);
  ASSERT_NO_FATAL_FAILURE(expect_check_names_loss(kLinks));
  ASSERT_NO_FATAL_FAILURE(expect_serve_refuses(kLinks));
  expect_repair_restores_every_link();
}

TEST_F(DamagedLogTest, FlippedByteIsNamedRefusedAndRestored) {
  ASSERT_NO_FATAL_FAILURE(create_links());
  const std::string log = newest_log_file(links_dir());
  // Inside one of the last records (about 140 bytes each, attributes
  // included), not the last two: LevelDB drops the rest of its block.
  const std::uint64_t size = std::filesystem::file_size(log);
  ASSERT_GT(size, 400u);
  flip_byte(log, size - 400);
  cli_result check = run({"log", "check", "links"});
  ASSERT_EQ(check.exit_code(), 1) << check.describe();
  const std::uint64_t head =
      parse_json_line(check.out_lines().front())["head"].to_number<std::uint64_t>();
  ASSERT_LT(head, std::uint64_t{kLinks}) << check.describe();
  EXPECT_TRUE(contains(check.err, "checksum mismatch")) << check.describe();
  ASSERT_NO_FATAL_FAILURE(expect_check_names_loss(head + 1));
  ASSERT_NO_FATAL_FAILURE(expect_serve_refuses(head + 1));
  expect_repair_restores_every_link();
}

TEST_F(DamagedLogTest, FlippedByteInAnOlderBlockLeavesAGapThatRepairFills) {
  // Enough links for the .log to span blocks (32 KiB each): LevelDB drops
  // the rest of the damaged block and keeps the blocks after it.
  constexpr int kMany = 400;
  ASSERT_NO_FATAL_FAILURE(create_links(kMany));
  const std::string log = newest_log_file(links_dir());
  ASSERT_GT(std::filesystem::file_size(log), 40'000u);
  flip_byte(log, 1000);
  cli_result check = run({"log", "check", "links"});
  EXPECT_EQ(check.exit_code(), 1) << check.describe();
  EXPECT_TRUE(contains(check.err, "checksum mismatch")) << check.describe();
  EXPECT_TRUE(contains(check.err, "gap in the log")) << check.describe();
  cli_result serve = run({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_NE(serve.exit_code(), 0) << serve.describe();
  EXPECT_TRUE(contains(serve.out + serve.err, "linkly log repair")) << serve.describe();
  expect_repair_restores_every_link(kMany);
}

TEST_F(DamagedLogTest, TruncateRewindsEveryProjectionAndReusesNoSeq) {
  ASSERT_NO_FATAL_FAILURE(create_links());
  truncate_file_by(newest_log_file(links_dir()), 5);
  cli_result repair = run({"log", "repair", "--truncate"});
  ASSERT_EQ(repair.exit_code(), 0) << repair.describe();
  boost::json::object summary = parse_json_line(repair.out_lines().front());
  EXPECT_EQ(summary["mode"], "truncate") << repair.describe();
  EXPECT_EQ(summary["restored_links"].to_number<std::uint64_t>(), 0u) << repair.describe();
  cli_result verify = run({"replay", "--verify"});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  EXPECT_TRUE(contains(verify.out, "identical")) << verify.describe();

  {
    server_process server(data_.path());
    http_client client(server.port());
    // The lost link is gone: the loss was accepted.
    EXPECT_EQ(client.get("/s/" + code_of(kLinks)).status, 404);
    EXPECT_EQ(client.get("/s/" + code_of(kLinks - 1)).status, 302);
    ASSERT_EQ(create_link(client, "https://example.com/after", "after").status, 201);
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  cli_result dump = run({"log", "dump", "links"});
  ASSERT_EQ(dump.exit_code(), 0) << dump.describe();
  std::string why;
  auto events = parse_dump(dump.out_lines(), &why);
  ASSERT_TRUE(events.has_value()) << why;
  std::set<std::uint64_t> seqs;
  std::uint64_t after_seq = 0;
  std::string lost_type;
  for (const auto& e : *events) {
    EXPECT_TRUE(seqs.insert(e.seq).second) << "seq " << e.seq << " twice";
    if (e.key == "after") after_seq = e.seq;
    if (e.seq == std::uint64_t{kLinks}) lost_type = e.type;
  }
  EXPECT_GT(after_seq, std::uint64_t{kLinks}) << dump.out;
  EXPECT_EQ(lost_type, "RecordsLost") << dump.out;
  EXPECT_EQ(seqs.size(), events->size());
}

TEST_F(DamagedLogTest, TornClicksLogBehindAnalyticsIsNamedRefusedAndMarked) {
  constexpr int kClicks = 20;
  {
    server_process server(data_.path());
    http_client client(server.port());
    ASSERT_EQ(create_link(client, url_of(1), code_of(1)).status, 201);
    for (int i = 0; i < kClicks; ++i) ASSERT_EQ(client.get("/s/" + code_of(1)).status, 302);
    const auto deadline = std::chrono::steady_clock::now() + kApplyTimeout;
    for (;;) {
      http_response res = client.get("/metrics");
      ASSERT_EQ(res.status, 200) << res.describe();
      if (metric_sample(res.body,
                        "linkly_projection_checkpoint{projection=\"analytics\",log=\"clicks\"}") ==
          kClicks) {
        break;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << res.body;
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  const std::string clicks_dir = data_.path() + "/clicks";
  ASSERT_FALSE(has_table_files(clicks_dir));
  truncate_file_by(newest_log_file(clicks_dir), 5);

  cli_result check = run({"log", "check", "clicks"});
  EXPECT_EQ(check.exit_code(), 1) << check.describe();
  EXPECT_TRUE(contains(check.err, "but the analytics holds seq " + std::to_string(kClicks)))
      << check.describe();
  cli_result serve = run({"serve", "--listen", "127.0.0.1:0"});
  EXPECT_NE(serve.exit_code(), 0) << serve.describe();
  EXPECT_TRUE(contains(serve.out + serve.err, "the clicks log ends at seq")) << serve.describe();

  cli_result repair = run({"log", "repair"});
  ASSERT_EQ(repair.exit_code(), 0) << repair.describe();
  boost::json::object summary = parse_json_line(repair.out_lines().front());
  const auto& marked = summary["clicks"].at("marked_lost");
  ASSERT_EQ(marked.as_array().size(), 1u) << repair.describe();
  EXPECT_EQ(marked.as_array().front().at("last").to_number<int>(), kClicks) << repair.describe();
  cli_result verify = run({"replay", "--verify"});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  server_process server(data_.path());
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST_F(DamagedLogTest, CheckAndRepairRefuseWhileAServerRunsAndLeaveNoCopy) {
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, url_of(1), code_of(1)).status, 201);
  for (const std::vector<std::string>& args : {std::vector<std::string>{"log", "check", "links"},
                                               std::vector<std::string>{"log", "repair"}}) {
    cli_result res = run(args);
    EXPECT_EQ(res.exit_code(), 1) << res.describe();
    EXPECT_TRUE(contains(res.err, "held by a running linkly server")) << res.describe();
  }
  for (const auto& entry : std::filesystem::directory_iterator(data_.path())) {
    EXPECT_FALSE(contains(entry.path().filename().string(), ".copy-")) << entry.path();
  }
  EXPECT_EQ(client.get("/s/" + code_of(1)).status, 302);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
