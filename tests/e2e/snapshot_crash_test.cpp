// Projections live in memory and are made durable by snapshot files (state
// and checkpoints in one file, renamed into place whole). These tests kill
// the server while it writes them all the time, under redirect load, and
// damage a snapshot on disk: after each restart every link's clicks equal
// its ClickRecorded events in the clicks log, `replay --verify` finds the
// stores identical to a rebuild, and a damaged snapshot (or an older
// linkly's LevelDB store) is noticed, set aside and rebuilt from the logs to
// the same state.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using linkly::testing::eventually;

constexpr int kLinks = 8;
constexpr int kClients = 4;
// A snapshot every this many events, or after this many ms: under load the
// server is nearly always about to write one or writing one.
constexpr const char* kSnapshotEvents = "200";
constexpr const char* kSnapshotIntervalMs = "20";
// Kill rounds, bounded in time as well: the rounds stop once kBudget has
// passed (at least kMinRounds are run).
constexpr int kRounds = 20;
constexpr int kMinRounds = 3;
constexpr auto kBudget = 45s;
// After the round's load has made a snapshot, the kill comes this much later
// (ms, uniform): anywhere in the applying and snapshotting that follows.
constexpr int kMaxKillDelayMs = 150;
// Each client's first 302, and a snapshot of this round's clicks, come
// within this long on an idle machine many times over.
constexpr auto kLoadDeadline = 10s;
// A restarted server has applied the whole clicks log within this.
constexpr auto kCatchUpDeadline = 15s;
constexpr auto kPollInterval = 10ms;
// Clicks made for the damaged-snapshot tests.
constexpr int kDamageClicks = 60;

std::string code_of(int i) {
  return "sc" + std::to_string(i);
}

server_options snapshot_often() {
  server_options options;
  options.extra_args = {"--projections-snapshot-events", kSnapshotEvents,
                        "--projections-snapshot-interval-ms", kSnapshotIntervalMs};
  return options;
}

std::string analytics_dir(const temp_dir& data) {
  return data.path() + "/analytics";
}

// The clicks checkpoint of the analytics snapshot on disk; 0 when it cannot
// be read at this moment.
std::uint64_t snapshot_clicks(const temp_dir& data) {
  try {
    return snapshot_checkpoints(analytics_dir(data))["clicks"];
  } catch (const std::exception&) {
    return 0;
  }
}

// What GET /links/{code}/stats says once analytics applied the whole of
// both logs.
struct caught_up_stats {
  std::map<std::string, std::uint64_t> totals;
  std::map<std::string, std::string> bodies;  // without freshness, to compare
  std::uint64_t clicks_head = 0;
};

// Clicks reach the log off the redirect path: `min_head` waits for them.
bool read_caught_up(std::uint16_t port, caught_up_stats* out, std::string* why,
                    std::uint64_t min_head = 0) {
  http_client client(port);
  return eventually(
      [&] {
        caught_up_stats now;
        for (int i = 0; i < kLinks; ++i) {
          http_response res = client.get("/links/" + code_of(i) + "/stats");
          if (res.status != 200) return *why = res.describe(), false;
          boost::json::object body = json_object(res);
          const auto* fresh = body.if_contains("freshness");
          if (fresh == nullptr) return *why = res.describe(), false;
          for (const char* log : {"links", "clicks"}) {
            const auto& p = fresh->at(log);
            if (p.at("checkpoint") != p.at("head")) return *why = res.describe(), false;
          }
          now.clicks_head = fresh->at("clicks").at("head").to_number<std::uint64_t>();
          if (now.clicks_head < min_head) return *why = res.describe(), false;
          now.totals[code_of(i)] = body.at("total").to_number<std::uint64_t>();
          body.erase("freshness");
          now.bodies[code_of(i)] = boost::json::serialize(body);
        }
        *out = std::move(now);
        return true;
      },
      kCatchUpDeadline, kPollInterval);
}

// ClickRecorded events per code in the clicks log (`linkly log dump`).
std::map<std::string, std::uint64_t> logged_clicks(const temp_dir& data, std::string* why) {
  cli_result dump = run_linkly({"log", "dump", "clicks", "--data", data.path()});
  if (dump.exit_code() != 0) return *why = dump.describe(), std::map<std::string, std::uint64_t>{};
  auto events = parse_dump(dump.out_lines(), why);
  std::map<std::string, std::uint64_t> out;
  for (int i = 0; i < kLinks; ++i) out[code_of(i)] = 0;
  if (!events) return out;
  for (const dumped_event& e : *events) {
    if (e.type == "ClickRecorded") ++out[e.code];
  }
  return out;
}

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

void create_links(std::uint16_t port) {
  http_client client(port);
  for (int i = 0; i < kLinks; ++i) {
    http_response res = create_link(client, "https://example.com/" + code_of(i), code_of(i));
    ASSERT_EQ(res.status, 201) << res.describe();
  }
}

// Redirect load from kClients keep-alive clients (random links) until the
// server dies; the kill comes `kill_delay` after every client has its first
// 302 and a snapshot holds clicks of this round. Returns the 302s received.
std::uint64_t load_until_killed(server_process& server, const temp_dir& data, unsigned seed,
                                std::chrono::milliseconds kill_delay, std::string* problem) {
  const std::uint64_t saved_before = snapshot_clicks(data);
  std::atomic<int> started{0};
  std::atomic<std::uint64_t> received{0};
  std::vector<std::string> unexpected(kClients);
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      http_client client(server.port(), 5s);
      std::mt19937 rng(seed + static_cast<unsigned>(c));
      std::uniform_int_distribution<int> link(0, kLinks - 1);
      bool first = true;
      for (;;) {
        http_response res = client.get("/s/" + code_of(link(rng)));
        if (res.status != 302) {
          if (res.ok()) unexpected[c] = res.describe();
          return;  // not ok: the server is gone
        }
        received.fetch_add(1, std::memory_order_relaxed);
        if (first) started.fetch_add(1, std::memory_order_relaxed);
        first = false;
      }
    });
  }
  const bool loaded =
      eventually([&] { return started.load() == kClients && snapshot_clicks(data) > saved_before; },
                 kLoadDeadline, kPollInterval);
  // How long the load runs on before the kill, not an ordering.
  std::this_thread::sleep_for(kill_delay);
  exit_status killed = server.kill9();
  for (auto& t : clients) t.join();
  if (!loaded) {
    *problem =
        "within the deadline, not every client had a 302 or no snapshot of this round's "
        "clicks was written (snapshot at clicks seq " +
        std::to_string(snapshot_clicks(data)) + ")";
  } else if (killed.signal != SIGKILL) {
    *problem = "the server ended before the kill: " + killed.describe();
  }
  for (const std::string& u : unexpected) {
    if (!u.empty()) *problem += "\nan answer other than 302: " + u;
  }
  return received.load();
}

TEST(SnapshotCrashTest, KillsWhileSnapshottingLoseAndDoubleNoClick) {
  temp_dir data;
  std::random_device seed_source;
  const unsigned seed = seed_source();
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> kill_delay_ms(0, kMaxKillDelayMs);
  SCOPED_TRACE("seed " + std::to_string(seed));

  auto server = std::make_unique<server_process>(data.path(), snapshot_often());
  ASSERT_NO_FATAL_FAILURE(create_links(server->port()));
  const auto start = std::chrono::steady_clock::now();
  std::uint64_t received = 0;
  int rounds = 0, kills_mid_write = 0;
  for (; rounds < kRounds; ++rounds) {
    if (rounds >= kMinRounds && std::chrono::steady_clock::now() - start > kBudget) break;
    SCOPED_TRACE("round " + std::to_string(rounds));
    std::string problem;
    received += load_until_killed(*server, data, rng(),
                                  std::chrono::milliseconds(kill_delay_ms(rng)), &problem);
    ASSERT_TRUE(problem.empty()) << problem << "\n" << server->output_text();
    // A snapshot being written when the kill came leaves its temporary file.
    if (std::filesystem::exists(snapshot_path(analytics_dir(data)) + ".tmp")) ++kills_mid_write;
    if (rounds == kRounds - 1 || std::chrono::steady_clock::now() - start > kBudget) {
      // As the last kill left them: each store equals a rebuild to its own
      // checkpoints (state and checkpoints are one file).
      cli_result crashed = run_linkly({"replay", "--verify", "--data", data.path()});
      EXPECT_EQ(crashed.exit_code(), 0) << crashed.describe();
      EXPECT_TRUE(contains(crashed.out, "analytics: identical")) << crashed.describe();
      EXPECT_TRUE(contains(crashed.out, "cache: identical")) << crashed.describe();
    }

    server = std::make_unique<server_process>(data.path(), snapshot_often());
    caught_up_stats seen;
    std::string why;
    ASSERT_TRUE(read_caught_up(server->port(), &seen, &why))
        << "analytics did not catch up after the restart: " << why << "\n"
        << server->output_text();
    std::uint64_t sum = 0;
    for (const auto& [code, n] : seen.totals) sum += n;
    // Only these redirects write clicks: counted once each, none lost.
    ASSERT_EQ(sum, seen.clicks_head) << "clicks counted over the links vs the clicks log head";
    EXPECT_GE(seen.clicks_head, received) << "a 302 whose click is not in the log";
  }

  caught_up_stats last;
  std::string why;
  ASSERT_TRUE(read_caught_up(server->port(), &last, &why)) << why;
  exit_status stopped = server->stop();
  ASSERT_TRUE(stopped.success()) << stopped.describe() << "\n" << server->output_text();

  const std::map<std::string, std::uint64_t> logged = logged_clicks(data, &why);
  ASSERT_TRUE(why.empty()) << why;
  EXPECT_EQ(last.totals, logged) << "per-link stats vs ClickRecorded in the clicks log";
  cli_result verify = run_linkly({"replay", "--verify", "--data", data.path()});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  EXPECT_TRUE(contains(verify.out, "analytics: identical")) << verify.describe();
  EXPECT_TRUE(contains(verify.out, "cache: identical")) << verify.describe();
  // A clean stop writes a snapshot of everything.
  EXPECT_EQ(snapshot_clicks(data), last.clicks_head);
  std::cout << "[          ] " << rounds << " kills, " << received << " 302s, " << last.clicks_head
            << " clicks in the log, each counted once; " << kills_mid_write
            << " kills left a snapshot half written\n";
}

// Damages the analytics snapshot of a stopped server; the next start must
// notice, set it aside and rebuild the same state from the logs.
class DamagedSnapshotTest : public ::testing::Test {
 protected:
  // Links and clicks, all applied, then a clean stop (which writes the
  // snapshot). `before_` is what the stats said.
  void SetUp() override {
    server_process server(data_.path());
    ASSERT_NO_FATAL_FAILURE(create_links(server.port()));
    {
      http_client client(server.port());
      for (int i = 0; i < kDamageClicks; ++i) {
        http_response res = client.get("/s/" + code_of(i % kLinks));
        ASSERT_EQ(res.status, 302) << res.describe();
      }
    }
    std::string why;
    ASSERT_TRUE(read_caught_up(server.port(), &before_, &why, kDamageClicks)) << why;
    ASSERT_EQ(before_.clicks_head, static_cast<std::uint64_t>(kDamageClicks));
    ASSERT_TRUE(server.stop().success()) << server.output_text();
    contents_before_ = projection_contents(analytics_dir(data_));
    ASSERT_EQ(contents_before_["checkpoint:clicks"], std::to_string(kDamageClicks));
  }

  // Restarts on the damaged snapshot and checks it is rebuilt as it was.
  void expect_set_aside_and_rebuilt() {
    const std::string snapshot = snapshot_path(analytics_dir(data_));
    // An offline reader refuses it rather than repairing it.
    EXPECT_THROW(projection_contents(analytics_dir(data_)), std::runtime_error);
    {
      server_process server(data_.path());
      EXPECT_TRUE(server.wait_for_output("set aside as", 10s)) << server.output_text();
      bool named = false;
      for (const std::string& line : server.output()) {
        named = named || (contains(line, snapshot) && contains(line, "rebuilt from the logs"));
      }
      EXPECT_TRUE(named) << "no log line names the damaged snapshot\n" << server.output_text();
      caught_up_stats after;
      std::string why;
      ASSERT_TRUE(read_caught_up(server.port(), &after, &why)) << why;
      EXPECT_EQ(after.bodies, before_.bodies);
      ASSERT_TRUE(server.stop().success()) << server.output_text();
    }
    EXPECT_TRUE(std::filesystem::exists(snapshot + ".damaged"));
    EXPECT_EQ(projection_contents(analytics_dir(data_)), contents_before_);
    cli_result verify = run_linkly({"replay", "--verify", "--data", data_.path()});
    EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  }

  temp_dir data_;
  caught_up_stats before_;
  std::map<std::string, std::string> contents_before_;
};

TEST_F(DamagedSnapshotTest, TruncatedSnapshotIsSetAsideAndRebuilt) {
  truncate_file_by(snapshot_path(analytics_dir(data_)), 7);
  expect_set_aside_and_rebuilt();
}

TEST_F(DamagedSnapshotTest, CorruptedSnapshotIsSetAsideAndRebuilt) {
  const std::string snapshot = snapshot_path(analytics_dir(data_));
  // One byte in the middle: only the checksum can tell.
  flip_byte(snapshot, std::filesystem::file_size(snapshot) / 2);
  expect_set_aside_and_rebuilt();
}

// A projection directory as an older linkly left it, a LevelDB store: its
// files are removed (they are derived) and the projection rebuilt from the
// logs into a snapshot.
TEST_F(DamagedSnapshotTest, AnOlderLinklysLevelDbStoreIsReplacedByARebuild) {
  const std::string dir = analytics_dir(data_);
  std::filesystem::remove(snapshot_path(dir));
  const std::vector<std::string> old_files = {"CURRENT", "LOG", "MANIFEST-000002", "000003.log",
                                              "000005.ldb"};
  for (const std::string& name : old_files) {
    std::ofstream(dir + "/" + name) << "left by an older linkly";
  }
  {
    server_process server(data_.path());
    EXPECT_TRUE(
        server.wait_for_output("removed " + std::to_string(old_files.size()) + " files", 10s))
        << server.output_text();
    caught_up_stats after;
    std::string why;
    ASSERT_TRUE(read_caught_up(server.port(), &after, &why)) << why;
    EXPECT_EQ(after.bodies, before_.bodies);
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  for (const std::string& name : old_files) {
    EXPECT_FALSE(std::filesystem::exists(dir + "/" + name)) << name;
  }
  EXPECT_EQ(projection_contents(dir), contents_before_);
}

}  // namespace
}  // namespace linkly::e2e
