#include "bench/harness/workload.hpp"
#include "bench/harness/link_set.hpp"
#include "bench/harness/server_launcher.hpp"
#include "bench/harness/server_metrics.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace linkly::bench {
namespace {

TEST(CodePicker, UniformStaysInRangeAndCoversIt) {
  code_picker picker(10, code_distribution::uniform, 0, 7);
  std::vector<int> seen(10);
  for (int i = 0; i < 10'000; ++i) {
    auto index = picker.next();
    ASSERT_LT(index, 10u);
    ++seen[index];
  }
  for (int n : seen) EXPECT_GT(n, 800);
}

TEST(CodePicker, ZipfFavoursTheFirstCodes) {
  code_picker picker(1000, code_distribution::zipf, 1.0, 7);
  std::vector<int> seen(1000);
  for (int i = 0; i < 100'000; ++i) ++seen[picker.next()];
  // Under Zipf(1) over 1000 codes the first takes about 13%, the tenth 1.3%.
  EXPECT_GT(seen[0], 11'000);
  EXPECT_LT(seen[0], 15'000);
  EXPECT_GT(seen[0], 5 * seen[9]);
}

TEST(Workload, RedirectIsCheckedAgainstTheDerivedUrl) {
  workload work({.links = 5});
  auto ticket = work.next();
  ASSERT_TRUE(ticket);
  ASSERT_EQ(ticket->kind, request_kind::redirect);
  std::string bytes;
  work.write_request(*ticket, bytes);
  std::string code = code_of(ticket->index);
  EXPECT_EQ(bytes, "GET /s/" + code + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_EQ(work.check(*ticket, 302, url_of(code)), verdict::ok);
  EXPECT_EQ(work.check(*ticket, 302, "https://example.com/other"), verdict::wrong_location);
  EXPECT_EQ(work.check(*ticket, 404, ""), verdict::wrong_status);
}

TEST(Workload, PreloadCreatesEachLinkOnceThenEnds) {
  workload work({.links = 3, .preload = true});
  for (std::uint64_t i = 0; i < 3; ++i) {
    auto ticket = work.next();
    ASSERT_TRUE(ticket);
    EXPECT_EQ(ticket->kind, request_kind::create);
    EXPECT_EQ(ticket->index, i);
    std::string bytes;
    work.write_request(*ticket, bytes);
    std::string body = R"({"code":"c)" + std::to_string(i) + R"(","url":"https://example.com/p/c)" +
                       std::to_string(i) + "\"}";
    EXPECT_NE(bytes.find("Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body),
              std::string::npos)
        << bytes;
    EXPECT_EQ(work.check(*ticket, 201, ""), verdict::ok);
    EXPECT_EQ(work.check(*ticket, 409, ""), verdict::wrong_status);
  }
  EXPECT_FALSE(work.next());
}

TEST(Workload, MixedSendsAboutItsShareOfCreates) {
  workload work({.links = 100, .create_share = 0.1, .create_prefix = "m1-"});
  int creates = 0;
  for (int i = 0; i < 10'000; ++i) creates += work.next()->kind == request_kind::create;
  EXPECT_GT(creates, 800);
  EXPECT_LT(creates, 1200);
}

TEST(ServerMetrics, ParsesUnlabelledSamples) {
  auto m = parse_metrics(
      "# HELP linkly_clicks_written_total Clicks durable.\n"
      "# TYPE linkly_clicks_written_total counter\n"
      "linkly_clicks_written_total 12345\n"
      "linkly_click_queue_depth 0\n"
      "linkly_click_batch_write_seconds_bucket{le=\"0.001\"} 7\n");
  EXPECT_EQ(m.at("linkly_clicks_written_total"), 12345);
  EXPECT_EQ(m.at("linkly_click_queue_depth"), 0);
  EXPECT_EQ(m.count("linkly_click_batch_write_seconds_bucket"), 0u);
}

TEST(NginxConfig, KeepsEverythingInItsDirectory) {
  std::string conf = nginx_config("/tmp/x", 4321);
  EXPECT_NE(conf.find("listen 127.0.0.1:4321;"), std::string::npos);
  EXPECT_NE(conf.find("master_process off;"), std::string::npos);
  EXPECT_NE(conf.find("daemon off;"), std::string::npos);
  EXPECT_NE(conf.find("pid /tmp/x/nginx.pid;"), std::string::npos);
  EXPECT_NE(conf.find("return 302 https://example.com/p/$1;"), std::string::npos);
}

}  // namespace
}  // namespace linkly::bench
