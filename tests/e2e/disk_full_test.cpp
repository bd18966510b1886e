// A full disk, then space again, without a restart: the links and clicks
// logs live on a small tmpfs (the rest of the data directory does not, so
// that parked clicks have somewhere to go). While it is full, creates answer
// 503, clicks retry and park, /healthz is 503 naming the log; once a filler
// file is deleted the logs reopen by themselves: creates answer 201 within
// 5 s, /healthz 200, queued clicks are written and parked ones once
// redriven, and every 302 is a click written or shed, exactly once.
//
// Needs root (mount); skips without it.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// The tmpfs: room for the two logs' first files, then filled by hand.
constexpr const char* kTmpfsSize = "4m";
// With the whole data directory on it: room for the click spool's segments
// too (4 MiB each, a current and a spare per io thread).
constexpr const char* kDataTmpfsSize = "48m";
// How long the stores may take to come back once space is freed.
constexpr auto kHealWithin = 5s;
// Polls of /metrics and /healthz: each bounded by this.
constexpr auto kPollFor = 20s;
// How long clicks that met a full disk take to show on /healthz (the
// writer's retries with 20 ms backoff), before the disk is topped up again.
constexpr auto kClicksRefusedWithin = 3s;
constexpr auto kPollEvery = 50ms;

int run_shell(const std::string& command) {
  return std::system(command.c_str());
}

// A tmpfs mounted at a fresh directory, unmounted (lazily, so a leftover
// open file cannot keep it) when the object goes away.
class tmpfs_mount {
 public:
  explicit tmpfs_mount(const std::string& dir, const char* size = kTmpfsSize) : dir_(dir) {
    mounted_ = run_shell("mount -t tmpfs -o size=" + std::string(size) + " tmpfs '" + dir +
                         "' 2>/dev/null") == 0;
  }
  ~tmpfs_mount() {
    if (mounted_) run_shell("umount -l '" + dir_ + "'");
  }
  bool mounted() const { return mounted_; }

 private:
  std::string dir_;
  bool mounted_ = false;
};

// Writes `path` until the file system says it is full; returns the bytes.
std::size_t fill(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::setvbuf(f, nullptr, _IONBF, 0);
  const std::string chunk(4096, 'x');
  std::size_t written = 0;
  // Bounded: the tmpfs is a few MiB.
  for (int i = 0; i < 1 << 16; ++i) {
    std::size_t n = std::fwrite(chunk.data(), 1, chunk.size(), f);
    written += n;
    if (n < chunk.size()) break;
  }
  std::fclose(f);
  return written;
}

// The value of sample `sample` (name with its labels, if any) in /metrics.
std::optional<double> metric(http_client& client, const std::string& sample) {
  http_response res = client.get("/metrics");
  if (res.status != 200) return std::nullopt;
  return metric_sample(res.body, sample);
}

double metric_or(http_client& client, const std::string& sample, double fallback = -1) {
  return metric(client, sample).value_or(fallback);
}

// Polls the server every kPollEvery until `fn` holds or `limit` passes.
bool await(const std::function<bool()>& fn, std::chrono::milliseconds limit) {
  return linkly::testing::eventually(fn, limit, kPollEvery);
}

int redirect_n(http_client& client, const std::string& code, int n) {
  int found = 0;
  for (int i = 0; i < n; ++i) {
    if (client.get("/s/" + code).status == 302) ++found;
  }
  return found;
}

std::size_t count_clicks_in_log(const std::string& data) {
  cli_result res = run_linkly({"log", "dump", "clicks", "--data", data});
  EXPECT_EQ(res.exit_code(), 0) << res.describe();
  std::size_t n = 0;
  for (const std::string& line : res.out_lines()) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(line, ec);
    if (!ec && v.is_object() && v.as_object().contains("type") &&
        v.as_object().at("type") == "ClickRecorded") {
      ++n;
    }
  }
  return n;
}

TEST(DiskFullTest, StoresHealOnceSpaceIsFreedWithoutARestart) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs (a disk that fills up)";
  temp_dir data;
  temp_dir mount_point("linkly-e2e-tmpfs-");
  tmpfs_mount fs(mount_point.path());
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs at " << mount_point.path();
  // The logs on the tmpfs; the dead-letter store and projections are not.
  for (const char* log : {"links", "clicks"}) {
    std::filesystem::create_directory(mount_point.path() + "/" + log);
    std::filesystem::create_directory_symlink(mount_point.path() + "/" + log,
                                              data.path() + "/" + log);
  }

  server_options options;
  options.extra_args = {"--queues-clicks-backoff-ms", "50", "--queues-clicks-max-retries", "4"};
  server_process server(data.path(), options);
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/hot", "hot").status, 201);
  ASSERT_EQ(client.get("/healthz").status, 200);
  EXPECT_EQ(metric_or(client, "linkly_log_writable{log=\"links\"}"), 1);

  // The disk fills up.
  const std::string filler = mount_point.path() + "/filler";
  ASSERT_GT(fill(filler), 0u);
  int creates_refused = 0;
  for (int i = 0; i < 2000 && creates_refused == 0; ++i) {
    http_response res =
        create_link(client, "https://example.com/" + std::to_string(i), "full" + std::to_string(i));
    if (res.status == 503) {
      ++creates_refused;
    } else {
      ASSERT_EQ(res.status, 201) << res.describe();
    }
  }
  ASSERT_EQ(creates_refused, 1) << "creates never failed on a full disk";

  // Clicks retry, then park.
  int redirected = redirect_n(client, "hot", 300);
  ASSERT_EQ(redirected, 300);
  ASSERT_TRUE(await(
      [&] {
        return metric_or(client, "linkly_click_queue_depth") == 0 &&
               metric_or(client, "linkly_clicks_dead_lettered_total") > 0;
      },
      kPollFor))
      << "clicks were not parked";
  http_response health = client.get("/healthz");
  EXPECT_EQ(health.status, 503) << health.describe();
  boost::json::object h = json_object(health);
  EXPECT_EQ(h["status"], "degraded") << health.body;
  ASSERT_TRUE(h.contains("reasons") && h["reasons"].is_array()) << health.body;
  EXPECT_NE(health.body.find("links log cannot be written"), std::string::npos) << health.body;
  EXPECT_EQ(metric_or(client, "linkly_log_writable{log=\"links\"}"), 0);
  EXPECT_EQ(metric_or(client, "linkly_log_writable{log=\"clicks\"}"), 0);
  EXPECT_EQ(metric_or(client, "linkly_clicks_lost_total"), 0);
  // Still full: a redrive says it could not write, and keeps the entries.
  http_response early = client.post("/admin/dlq/redrive", "{}");
  EXPECT_EQ(early.status, 503) << early.describe();
  EXPECT_TRUE(error_message(early).has_value()) << early.describe();

  // Some clicks still queued (retrying) when the space comes back.
  redirected += redirect_n(client, "hot", 100);
  ASSERT_TRUE(std::filesystem::remove(filler));
  const auto freed = steady::now();

  // Without a restart: creates answer 201 again within kHealWithin.
  bool created =
      await([&] { return create_link(client, "https://example.com/back", "back").status == 201; },
            std::chrono::duration_cast<std::chrono::milliseconds>(kHealWithin));
  ASSERT_TRUE(created) << "creates still fail after space was freed\n" << server.output_text();
  const auto healed_after = steady::now() - freed;
  EXPECT_LT(healed_after, kHealWithin);
  EXPECT_TRUE(await([&] { return client.get("/healthz").status == 200; }, kHealWithin))
      << client.get("/healthz").describe();
  EXPECT_EQ(metric_or(client, "linkly_log_writable{log=\"links\"}"), 1);

  // Redrive what is parked (again, should more park meanwhile) until every
  // 302 is a click written or shed.
  double written = 0, shed = 0;
  bool reconciled = await(
      [&] {
        http_response r = client.post("/admin/dlq/redrive", "{}");
        if (r.status != 200) return false;
        written = metric_or(client, "linkly_clicks_written_total");
        shed = metric_or(client, "linkly_clicks_shed_total");
        return metric_or(client, "linkly_click_queue_depth") == 0 && written + shed == redirected;
      },
      kPollFor);
  EXPECT_TRUE(reconciled) << "written " << written << " + shed " << shed << " != " << redirected
                          << " redirects";
  EXPECT_EQ(metric_or(client, "linkly_redirects_total"), redirected);
  EXPECT_EQ(metric_or(client, "linkly_clicks_lost_total"), 0);
  http_response parked = client.get("/admin/dlq");
  ASSERT_EQ(parked.status, 200);
  EXPECT_TRUE(json_object(parked)["entries"].as_array().empty()) << parked.body;

  ::testing::Test::RecordProperty(
      "healed_ms",
      std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(healed_after).count()));
  ASSERT_TRUE(server.stop().success()) << server.output_text();
  // Exactly the clicks written: none twice, none left over from a failed
  // write, and the links log is whole.
  EXPECT_EQ(count_clicks_in_log(data.path()), static_cast<std::size_t>(written));
  for (const char* log : {"links", "clicks"}) {
    cli_result check = run_linkly({"log", "check", log, "--data", data.path()});
    EXPECT_EQ(check.exit_code(), 0) << check.describe();
  }
}

TEST(DiskFullTest, WithEveryStoreOnTheFullDiskNoAcceptedClickIsLost) {
  // The whole data directory on the tmpfs: the dead-letter store fails as
  // well, so batches cannot park; they stay queued until the disk has room.
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to mount a tmpfs (a disk that fills up)";
  temp_dir mount_point("linkly-e2e-tmpfs-");
  tmpfs_mount fs(mount_point.path(), kDataTmpfsSize);
  if (!fs.mounted()) GTEST_SKIP() << "cannot mount a tmpfs at " << mount_point.path();
  const std::string data = mount_point.path() + "/data";
  std::filesystem::create_directory(data);

  server_options options;
  options.extra_args = {"--queues-clicks-backoff-ms", "20", "--queues-clicks-max-retries", "3"};
  server_process server(data, options);
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/hot", "hot").status, 201);

  // Filled until creates fail, topped up between tries: the click spool's
  // background thread may give back a spare segment it could not finish.
  std::vector<std::string> fillers;
  bool refused = false;
  for (int round = 0; round < 8 && !refused; ++round) {
    fillers.push_back(mount_point.path() + "/filler" + std::to_string(round));
    fill(fillers.back());
    for (int i = 0; i < 500 && !refused; ++i) {
      const std::string code = "full" + std::to_string(round) + "_" + std::to_string(i);
      refused = create_link(client, "https://example.com/" + code, code).status == 503;
    }
  }
  ASSERT_TRUE(refused) << "creates never failed on a full disk";
  // Top up what the failed writes, reopen probes and background threads
  // (the spool's spares, LevelDB's deleted files) gave back, so the clicks
  // cannot fit either; again while they still do, as such space can come
  // back after a top-up on a busy machine.
  int redirected = 0;
  bool clicks_refused = false;
  for (int round = 0; round < 8 && !clicks_refused; ++round) {
    fillers.push_back(mount_point.path() + "/filler-top-up" + std::to_string(round));
    fill(fillers.back());
    const int n = redirect_n(client, "hot", 200);
    ASSERT_EQ(n, 200);
    redirected += n;
    clicks_refused = await(
        [&] {
          return client.get("/healthz").body.find("clicks log cannot be written") !=
                 std::string::npos;
        },
        kClicksRefusedWithin);
  }
  EXPECT_TRUE(clicks_refused) << client.get("/healthz").describe();
  EXPECT_EQ(metric_or(client, "linkly_clicks_lost_total"), 0);

  for (const auto& f : fillers) ASSERT_TRUE(std::filesystem::remove(f));
  EXPECT_TRUE(
      await([&] { return create_link(client, "https://example.com/back", "back").status == 201; },
            std::chrono::duration_cast<std::chrono::milliseconds>(kHealWithin)))
      << server.output_text();
  EXPECT_TRUE(await([&] { return client.get("/healthz").status == 200; }, kHealWithin))
      << client.get("/healthz").describe();
  double written = 0, shed = 0;
  bool reconciled = await(
      [&] {
        client.post("/admin/dlq/redrive", "{}");  // whatever parked before the store failed
        written = metric_or(client, "linkly_clicks_written_total");
        shed = metric_or(client, "linkly_clicks_shed_total");
        return metric_or(client, "linkly_click_queue_depth") == 0 && written + shed == redirected;
      },
      kPollFor);
  EXPECT_TRUE(reconciled) << "written " << written << " + shed " << shed << " != " << redirected
                          << "\n"
                          << server.output_text();
  EXPECT_EQ(metric_or(client, "linkly_clicks_lost_total"), 0);
  ASSERT_TRUE(server.stop().success()) << server.output_text();
  EXPECT_EQ(count_clicks_in_log(data), static_cast<std::size_t>(written));
  for (const char* log : {"links", "clicks"}) {
    cli_result check = run_linkly({"log", "check", log, "--data", data});
    EXPECT_EQ(check.exit_code(), 0) << check.describe();
  }
}

}  // namespace
}  // namespace linkly::e2e
