// Clicks under hostile request headers: a client sending a 4,000-byte
// User-Agent, a 2,000-byte Referer (its host a fresh, valid hostname each
// time) and a 1,500-byte CF-IPCountry on every redirect must not make the
// clicks log and the analytics store grow by more than a few hundred bytes
// per click, nor make its countries analytics keys. The header bytes are
// random, so LevelDB's snappy cannot shrink them and flatter the figure.

#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

/// Redirects sent with hostile headers (the attack observed used 3,000).
constexpr int kHostileClicks = 3000;
/// Sending them is bounded: a slow machine sends fewer, and the figure is
/// per click sent.
constexpr auto kSendBudget = 60s;
/// The bound under test: clicks log + analytics store growth per click.
constexpr double kMaxBytesPerClick = 300;

constexpr std::size_t kUserAgentBytes = 4000;
constexpr std::size_t kRefererBytes = 2000;
constexpr std::size_t kCountryBytes = 1500;

// Random visible ASCII (0x21..0x7e): valid in a header value, and random
// enough that snappy (repeats only) finds nothing to compress.
std::string random_text(std::mt19937_64& rng, std::size_t n) {
  std::uniform_int_distribution<int> c(0x21, 0x7e);
  std::string out(n, ' ');
  for (char& ch : out) ch = static_cast<char>(c(rng));
  return out;
}

std::string random_label(std::mt19937_64& rng, std::size_t n) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::uniform_int_distribution<std::size_t> c(0, sizeof(kChars) - 2);
  std::string out(n, 'a');
  for (char& ch : out) ch = kChars[c(rng)];
  return out;
}

// A referrer whose host is a fresh valid hostname, short enough to be
// kept: the analytics referrer keys are what it attacks.
std::string hostile_referer(std::mt19937_64& rng) {
  std::string url = "https://" + random_label(rng, 28) + ".example/";
  url += random_label(rng, kRefererBytes - url.size());
  return url;
}

std::uint64_t dir_bytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (entry.is_regular_file(ec)) total += entry.file_size(ec);
  }
  return total;
}

// Polls /metrics (bounded) until `clicks` are written and the analytics
// projection has applied them.
void await_clicks_applied(http_client& client, std::uint64_t clicks) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string body;
  for (;;) {
    http_response res = client.get("/metrics");
    ASSERT_EQ(res.status, 200) << res.describe();
    body = res.body;
    auto written = metric_sample(body, "linkly_clicks_written_total");
    auto applied = metric_sample(
        body, "linkly_projection_checkpoint{projection=\"analytics\",log=\"clicks\"}");
    if (written && applied && *written >= clicks && *applied >= clicks) return;
    if (std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(20ms);
  }
  FAIL() << "within 60 s, not all " << clicks << " clicks were written and applied\n" << body;
}

bool is_alpha2(const std::string& s) {
  return s.size() == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

TEST(HostileClicksTest, HostileHeadersStoreAtMost300BytesPerClick) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/", "h").status, 201);

  // A few ordinary clicks first, so both stores exist before the baseline.
  constexpr std::uint64_t kWarmup = 10;
  const header_list normal = {
      {"CF-IPCountry", "DE"}, {"Referer", "https://ref.example/x"}, {"User-Agent", "agent/1.0"}};
  for (std::uint64_t i = 0; i < kWarmup; ++i) {
    ASSERT_EQ(client.request("GET", "/s/h", {}, normal).status, 302);
  }
  await_clicks_applied(client, kWarmup);
  if (HasFatalFailure()) return;
  const std::string clicks_dir = data.path() + "/clicks";
  const std::string analytics_dir = data.path() + "/analytics";
  const std::uint64_t clicks_before = dir_bytes(clicks_dir);
  const std::uint64_t analytics_before = dir_bytes(analytics_dir);
  const std::uint64_t before = clicks_before + analytics_before;

  std::mt19937_64 rng(20261205);
  const auto stop_sending = std::chrono::steady_clock::now() + kSendBudget;
  std::uint64_t sent = 0;
  for (; sent < kHostileClicks && std::chrono::steady_clock::now() < stop_sending; ++sent) {
    const header_list hostile = {{"CF-IPCountry", random_text(rng, kCountryBytes)},
                                 {"Referer", hostile_referer(rng)},
                                 {"User-Agent", random_text(rng, kUserAgentBytes)}};
    http_response res = client.request("GET", "/s/h", {}, hostile);
    ASSERT_EQ(res.status, 302) << "redirect " << sent << "\n" << res.describe();
  }
  ASSERT_GE(sent, 500u) << "too few redirects within the budget to measure";
  await_clicks_applied(client, kWarmup + sent);
  if (HasFatalFailure()) return;

  // Countries are ISO 3166 alpha-2 codes or "unknown"; the hostile ones
  // were none, so they are all counted as unknown.
  http_response stats = client.get("/links/h/stats");
  ASSERT_EQ(stats.status, 200) << stats.describe();
  boost::json::value body = boost::json::parse(stats.body);
  const auto& countries = body.at("by_country").as_object();
  std::size_t bad_keys = 0, longest = 0;
  for (const auto& [country, n] : countries) {
    if (!is_alpha2(std::string(country)) && country != "unknown") ++bad_keys;
    longest = std::max(longest, country.size());
  }
  EXPECT_EQ(bad_keys, 0u) << "analytics country keys that are no alpha-2 code (the longest "
                          << longest << " bytes)";
  EXPECT_LE(countries.size(), 2u) << "only DE and unknown were sent as valid/invalid";
  ASSERT_TRUE(countries.contains("unknown"));
  EXPECT_EQ(countries.at("unknown").to_number<std::uint64_t>(), sent);
  EXPECT_EQ(body.at("total").to_number<std::uint64_t>(), kWarmup + sent);

  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();

  // Measured once stopped: a stop writes the analytics snapshot, so every
  // click's part of it is on disk.
  const std::uint64_t clicks_after = dir_bytes(clicks_dir);
  const std::uint64_t analytics_after = dir_bytes(analytics_dir);
  const std::uint64_t after = clicks_after + analytics_after;
  auto per = [&](std::uint64_t a, std::uint64_t b) {
    return a > b ? static_cast<double>(a - b) / static_cast<double>(sent) : 0.0;
  };
  const double per_click =
      after > before ? static_cast<double>(after - before) / static_cast<double>(sent) : 0.0;
  std::cout << "[ hostile clicks ] " << sent << " clicks, clicks+analytics stores grew "
            << (after > before ? after - before : 0) << " bytes: " << per_click
            << " bytes/click (clicks log " << per(clicks_after, clicks_before) << ", analytics "
            << per(analytics_after, analytics_before) << "; bound " << kMaxBytesPerClick << ")\n";
  EXPECT_LE(per_click, kMaxBytesPerClick);
  EXPECT_GT(analytics_after, analytics_before) << "the stop wrote no analytics snapshot";
}

}  // namespace
}  // namespace linkly::e2e
