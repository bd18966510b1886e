// The analytics projection's store on a full disk (a small tmpfs mounted at
// its directory, filled up): redirects go on, the projection parks nothing
// (the events are fine, the store is not), /metrics shows its lag and the
// failing store, and once space is freed it catches up, without a restart,
// to counts equal to the redirects answered. Needs root for the mount;
// skips otherwise.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <sys/mount.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using linkly::testing::eventually;

// Room for a fresh LevelDB store (manifest, log, info log); the filler
// takes the rest.
constexpr const char* kTmpfsOptions = "size=512k";
constexpr int kLinks = 3;
// Redirects per round; rounds go on until the store fails (a commit can
// still land in the last partly written page of the tmpfs).
constexpr int kRoundRedirects = 20;
constexpr auto kFailDeadline = 15s;
// Catching up waits for the runner's next retry, at most 5 s apart.
constexpr auto kCatchUpDeadline = 20s;
constexpr auto kPollInterval = 50ms;
// Failed retries awaited while the disk is full (100 ms doubling: ~3 s):
// enough for the old failure, one event parked again at every retry.
constexpr double kStoreErrorsWhileFull = 6;
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

TEST_F(ProjectionDiskFullTest, FullStoreParksNothingReportsLagAndCatchesUpWhenFreed) {
  server_process server(data_.path());
  http_client client(server.port());
  for (int i = 0; i < kLinks; ++i) {
    http_response res = create_link(client, "https://example.com/" + code_of(i), code_of(i));
    ASSERT_EQ(res.status, 201) << res.describe();
  }

  ASSERT_NO_FATAL_FAILURE(fill_the_disk());
  std::string last;
  bool failing = eventually(
      [&] {
        redirect_round(client);
        last = metrics(client);
        return metric_sample(last, analytics("linkly_projection_store_ok")) == 0.0;
      },
      kFailDeadline, kPollInterval);
  ASSERT_TRUE(failing) << "the analytics store never failed on the full tmpfs\n"
                       << last << "\n"
                       << server.output_text();
  // More clicks while it fails: they wait in the log.
  ASSERT_NO_FATAL_FAILURE(redirect_round(client));
  ASSERT_TRUE(eventually(
      [&] {
        last = metrics(client);
        return metric_sample(last, analytics_lag("clicks")).value_or(0) > 0;
      },
      5s, kPollInterval))
      << last;
  // Let several retries fail: none may park.
  ASSERT_TRUE(eventually(
      [&] {
        last = metrics(client);
        return metric_sample(last, analytics("linkly_projection_store_errors_total")).value_or(0) >=
               kStoreErrorsWhileFull;
      },
      kStoreErrorsDeadline, kPollInterval))
      << last;
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_parked_total")), 0.0) << last;
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_store_ok")), 0.0) << last;
  http_response dlq = client.get("/admin/dlq");
  ASSERT_EQ(dlq.status, 200) << dlq.describe();
  EXPECT_TRUE(json_object(dlq).at("entries").as_array().empty()) << dlq.describe();
  std::cout << "[          ] store failing: clicks lag "
            << metric_sample(last, analytics_lag("clicks")).value_or(-1) << ", "
            << metric_sample(last, analytics("linkly_projection_store_errors_total")).value_or(-1)
            << " store errors\n";

  std::uint64_t total = 0;
  for (const auto& [code, n] : redirected_) total += n;
  std::filesystem::remove(filler());
  const auto freed = std::chrono::steady_clock::now();
  bool caught_up = eventually(
      [&] {
        // Every click in the clicks log (the summary counts it), then applied.
        http_response summary = client.get("/clicks/summary");
        if (summary.status != 200 ||
            json_object(summary).at("total").to_number<std::uint64_t>() != total) {
          last = summary.describe();
          return false;
        }
        last = metrics(client);
        return metric_sample(last, analytics_lag("clicks")) == 0.0 &&
               metric_sample(last, analytics_lag("links")) == 0.0 &&
               metric_sample(last, analytics("linkly_projection_store_ok")) == 1.0;
      },
      kCatchUpDeadline, kPollInterval);
  ASSERT_TRUE(caught_up) << "no catch-up after space was freed\n"
                         << last << "\n"
                         << server.output_text();
  std::cout << "[          ] caught up "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - freed)
                   .count()
            << " ms after space was freed\n";
  EXPECT_EQ(metric_sample(last, analytics("linkly_projection_parked_total")), 0.0) << last;
  dlq = client.get("/admin/dlq");
  ASSERT_EQ(dlq.status, 200) << dlq.describe();
  EXPECT_TRUE(json_object(dlq).at("entries").as_array().empty()) << dlq.describe();

  for (int i = 0; i < kLinks; ++i) {
    http_response res = client.get("/links/" + code_of(i));
    ASSERT_EQ(res.status, 200) << res.describe();
    boost::json::object body = json_object(res);
    ASSERT_TRUE(body.contains("clicks")) << res.describe();
    EXPECT_EQ(body.at("clicks").to_number<std::uint64_t>(), redirected_[code_of(i)])
        << "clicks counted for " << code_of(i) << " vs redirects answered";
  }

  client.close();
  exit_status st = server.stop();
  EXPECT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
