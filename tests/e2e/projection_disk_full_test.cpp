// The analytics projection's store on a full disk (a small tmpfs mounted at
// its directory, filled up). Projections live in memory and only their
// snapshots are written there: redirects go on, every click is still
// applied (stats stay fresh, nothing is parked), the failing snapshot shows
// in /metrics and in the server's log, and once space is freed the next
// snapshot holds everything, without a restart. Needs root for the mount;
// skips otherwise.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using linkly::testing::eventually;

// Room for a snapshot of a few links and the LOCK file; the filler takes
// the rest.
constexpr const char* kTmpfsOptions = "size=512k";
constexpr int kLinks = 3;
// Redirects per round; rounds go on until a snapshot fails.
constexpr int kRoundRedirects = 20;
// Snapshots after this many events or this long (ms): a test round makes
// the projection try one at once, not after the defaults' minute.
constexpr const char* kSnapshotEvents = "10";
constexpr const char* kSnapshotIntervalMs = "100";
constexpr auto kFailDeadline = 15s;
// Applying clicks does not wait for the disk: answered well within this.
constexpr auto kFreshDeadline = 10s;
// A freed disk is noticed at the next snapshot retry, at most 5 s apart.
constexpr auto kSavedDeadline = 20s;
constexpr auto kPollInterval = 50ms;
// Failed snapshot retries awaited while the disk is full, so that parking
// would have had its chance. They back off (projections.backoff, 100 ms by
// default, doubling), however many clicks arrive meanwhile: the n-th
// failure comes at least kBackoff * (2^(n-1) - 1) after the first, ~3 s.
constexpr int kStoreErrorsWhileFull = 6;
constexpr auto kBackoff = 100ms;
constexpr auto kStoreErrorsDeadline = 10s;

std::string code_of(int i) {
  return "df" + std::to_string(i);
}

std::string analytics(const std::string& metric) {
  return metric + "{projection=\"analytics\"}";
}

std::string analytics_lag(const char* log) {
  return std::string("linkly_projection_lag_events{projection=\"analytics\",log=\"") + log + "\"}";
}

class ProjectionDiskFullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_dir_ = data_.path() + "/analytics";
    std::filesystem::create_directories(store_dir_);
    if (::mount("tmpfs", store_dir_.c_str(), "tmpfs", 0, kTmpfsOptions) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs at " << store_dir_ << " (" << std::strerror(errno)
                   << "): needs root";
    }
    mounted_ = true;
  }

  void TearDown() override {
    if (mounted_ && ::umount2(store_dir_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << store_dir_ << ": " << std::strerror(errno);
    }
  }

  // Writes a filler file until the tmpfs has no room left.
  void fill_the_disk() {
    std::FILE* f = std::fopen(filler().c_str(), "wb");
    ASSERT_NE(f, nullptr) << std::strerror(errno);
    std::setvbuf(f, nullptr, _IONBF, 0);
    const std::vector<char> block(4096, 'x');
    std::size_t written = 0;
    while (std::fwrite(block.data(), 1, block.size(), f) == block.size()) written += block.size();
    std::fclose(f);
    ASSERT_GT(written, 0u) << "the tmpfs was full before the filler";
  }

  std::string filler() const { return store_dir_ + "/filler"; }

  // GETs /s/{code} kRoundRedirects times over the links; counts the 302s.
  void redirect_round(http_client& client) {
    for (int i = 0; i < kRoundRedirects; ++i) {
      const std::string code = code_of(i % kLinks);
      http_response res = client.get("/s/" + code);
      ASSERT_EQ(res.status, 302) << res.describe();
      ++redirected_[code];
    }
  }

  server_options snapshot_often() const {
    server_options options;
    options.extra_args = {"--projections-snapshot-events", kSnapshotEvents,
                          "--projections-snapshot-interval-ms", kSnapshotIntervalMs};
    return options;
  }

  // Every link's `clicks` and the clicks freshness of GET /links/{code} equal
  // what was redirected and the clicks log head; `last` gets the mismatch.
  bool stats_fresh(http_client& client, std::uint64_t total, std::string* last) {
    for (int i = 0; i < kLinks; ++i) {
      http_response res = client.get("/links/" + code_of(i));
      boost::json::object body = json_object(res);
      const auto* clicks = body.if_contains("clicks");
      const auto* fresh = body.if_contains("freshness");
      if (res.status != 200 || clicks == nullptr || fresh == nullptr ||
          clicks->to_number<std::uint64_t>() != redirected_[code_of(i)]) {
        *last = res.describe();
        return false;
      }
      const auto& position = fresh->at("clicks");
      if (position.at("checkpoint").to_number<std::uint64_t>() != total ||
          position.at("head").to_number<std::uint64_t>() != total) {
        *last = res.describe();
        return false;
      }
    }
    return true;
  }

  std::uint64_t total_redirected() const {
    std::uint64_t total = 0;
    for (const auto& [code, n] : redirected_) total += n;
    return total;
  }

  std::string metrics(http_client& client) {
    http_response res = client.get("/metrics");
    EXPECT_EQ(res.status, 200) << res.describe();
    return res.body;
  }

  temp_dir data_;
  std::string store_dir_;
  bool mounted_ = false;
  std::map<std::string, std::uint64_t> redirected_;
};

TEST_F(ProjectionDiskFullTest, FullDiskFailsSnapshotsOnlyAndTheNextOneAfterFreeingHoldsAll) {
  server_process server(data_.path(), snapshot_often());
  http_client client(server.port());
  for (int i = 0; i < kLinks; ++i) {
    http_response res = create_link(client, "https://example.com/" + code_of(i), code_of(i));
    ASSERT_EQ(res.status, 201) << res.describe();
  }

  const auto filled = std::chrono::steady_clock::now();
  ASSERT_NO_FATAL_FAILURE(fill_the_disk());
  std::string last;
  bool failing = eventually(
      [&] {
        redirect_round(client);
        last = metrics(client);
        return metric_sample(last, analytics("linkly_projection_store_ok")) == 0.0;
      },
      kFailDeadline, kPollInterval);
  ASSERT_TRUE(failing) << "no analytics snapshot failed on the full tmpfs\n"
                       << last << "\n"
                       << server.output_text();
  EXPECT_TRUE(server.wait_for_output("the state stays in memory", 5s)) << server.output_text();
  // The snapshot on disk is from before the disk filled.
  const std::uint64_t saved_while_full = snapshot_checkpoints(store_dir_)["clicks"];

  // More clicks while snapshots fail: applied all the same, in memory.
  ASSERT_NO_FATAL_FAILURE(redirect_round(client));
  ASSERT_TRUE(eventually([&] { return stats_fresh(client, total_redirected(), &last); },
                         kFreshDeadline, kPollInterval))
      << "stats did not follow the clicks while the disk was full\n"
      << last;
  // Clicks keep coming while the snapshot retries back off.
  ASSERT_TRUE(eventually(
      [&] {
        redirect_round(client);
        last = metrics(client);
        return metric_sample(last, analytics("linkly_projection_store_errors_total")).value_or(0) >=
               kStoreErrorsWhileFull;
      },
      kStoreErrorsDeadline, kPollInterval))
      << last;
  EXPECT_GE(std::chrono::steady_clock::now() - filled,
            kBackoff * ((1 << (kStoreErrorsWhileFull - 1)) - 1))
      << kStoreErrorsWhileFull << " failed snapshots came faster than their backoff allows";
  const std::uint64_t total = total_redirected();
  ASSERT_TRUE(
      eventually([&] { return stats_fresh(client, total, &last); }, kFreshDeadline, kPollInterval))
      << "stats did not follow the clicks while snapshots backed off\n"
      << last;
  last = metrics(client);
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_store_ok")), 0.0) << last;
  EXPECT_EQ(metric_sample(last, analytics_lag("clicks")), 0.0) << last;
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_parked_total")), 0.0) << last;
  http_response dlq = client.get("/admin/dlq");
  ASSERT_EQ(dlq.status, 200) << dlq.describe();
  EXPECT_TRUE(json_object(dlq).at("entries").as_array().empty()) << dlq.describe();
  const std::uint64_t on_disk = snapshot_checkpoints(store_dir_)["clicks"];
  EXPECT_EQ(on_disk, saved_while_full) << "a snapshot was written on the full disk";
  EXPECT_LT(on_disk, total);
  std::cout << "[          ] disk full: " << total << " clicks applied, the snapshot holds "
            << on_disk << ", "
            << metric_sample(last, analytics("linkly_projection_store_errors_total")).value_or(-1)
            << " failed snapshots\n";

  std::filesystem::remove(filler());
  const auto freed = std::chrono::steady_clock::now();
  bool saved = eventually(
      [&] {
        last = metrics(client);
        return metric_sample(last, analytics("linkly_projection_store_ok")) == 1.0 &&
               snapshot_checkpoints(store_dir_)["clicks"] == total;
      },
      kSavedDeadline, kPollInterval);
  ASSERT_TRUE(saved) << "no snapshot of every click after space was freed\n"
                     << last << "\n"
                     << server.output_text();
  std::cout << "[          ] snapshot written "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - freed)
                   .count()
            << " ms after space was freed\n";
  EXPECT_TRUE(server.wait_for_output("snapshots write again", 5s)) << server.output_text();
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_parked_total")), 0.0) << last;
  EXPECT_TRUE(stats_fresh(client, total, &last)) << last;

  client.close();
  exit_status st = server.stop();
  EXPECT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
