// GET /metrics: the Prometheus text, the histogram's buckets, the route.

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "tests/http/metrics_samples.hpp"

#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <sstream>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::fake_click_service;

using linkly::testing::samples_of;

std::optional<http_response> answer(const router_context& ctx, http::verb method,
                                    std::string target) {
  std::optional<http_response> out;
  handle_request(http_request{method, target, 11}, ctx,
                 [&](http_response res) { out = std::move(res); });
  return out;
}

TEST(LatencyHistogram, ObservationsLandInTheirBucket) {
  latency_histogram h;
  h.observe(5us);   // <= 10us
  h.observe(10us);  // <= 10us (bounds are inclusive)
  h.observe(11us);  // <= 25us
  h.observe(3ms);   // <= 5ms
  h.observe(2s);    // +Inf
  h.observe(-1us);  // clamped to 0
  auto s = h.read();
  EXPECT_EQ(s.count, 6u);
  EXPECT_EQ(s.buckets[0], 3u);
  EXPECT_EQ(s.buckets[1], 1u);
  EXPECT_EQ(s.buckets[8], 1u);
  EXPECT_EQ(s.buckets[latency_histogram::kBounds], 1u);
  EXPECT_EQ(s.sum_ns, 5'000u + 10'000u + 11'000u + 3'000'000u + 2'000'000'000u);
}

TEST(RenderMetrics, ClickCountersAndARedirectHistogram) {
  fake_click_service clicks;
  auto& m = clicks.mutable_metrics();
  m.enqueued = 10;
  m.shed = 1;
  m.written = 7;
  m.batches = 2;
  m.retries = 3;
  m.dead_lettered = 4;
  m.lost = 5;
  m.writer_restarts = 6;
  m.depth = 9;
  http_metrics h;
  h.redirects = 12;
  for (std::chrono::microseconds d : {20us, 20us, 40us, 400us, 7000us, 300000us}) {
    h.redirect_duration.observe(d);
  }

  router_context ctx;
  ctx.clicks = &clicks;
  ctx.metrics = &h;
  auto res = answer(ctx, http::verb::get, "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  EXPECT_EQ((*res)[http::field::content_type], "text/plain; version=0.0.4");
  const std::string& text = res->body();
  EXPECT_NE(text.find("# TYPE linkly_clicks_enqueued_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE linkly_click_queue_depth gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE linkly_redirect_duration_seconds histogram\n"), std::string::npos);

  auto s = samples_of(text);
  EXPECT_EQ(s.at("linkly_clicks_enqueued_total"), 10);
  EXPECT_EQ(s.at("linkly_clicks_shed_total"), 1);
  EXPECT_EQ(s.at("linkly_clicks_written_total"), 7);
  EXPECT_EQ(s.at("linkly_click_batches_total"), 2);
  EXPECT_EQ(s.at("linkly_click_retries_total"), 3);
  EXPECT_EQ(s.at("linkly_clicks_dead_lettered_total"), 4);
  EXPECT_EQ(s.at("linkly_clicks_lost_total"), 5);
  EXPECT_EQ(s.at("linkly_click_writer_restarts_total"), 6);
  EXPECT_EQ(s.at("linkly_click_queue_depth"), 9);
  EXPECT_EQ(s.at("linkly_redirects_total"), 12);
  EXPECT_EQ(s.at("linkly_click_batch_size_sum"), 7);    // clicks written over...
  EXPECT_EQ(s.at("linkly_click_batch_size_count"), 2);  // ...batches written
  EXPECT_NE(text.find("# TYPE linkly_click_batch_size summary\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE linkly_click_batch_write_seconds histogram\n"), std::string::npos);

  const std::string bucket = "linkly_redirect_duration_seconds_bucket{le=\"";
  double previous = 0;
  int buckets = 0;
  for (auto le : latency_histogram::kLabels) {
    double v = s.at(bucket + std::string(le) + "\"}");
    EXPECT_GE(v, previous) << le;
    previous = v;
    ++buckets;
  }
  EXPECT_EQ(buckets, 13);
  EXPECT_EQ(s.at(bucket + "0.000025\"}"), 2);
  EXPECT_EQ(s.at(bucket + "0.00005\"}"), 3);
  EXPECT_EQ(s.at(bucket + "0.0005\"}"), 4);
  EXPECT_EQ(s.at(bucket + "0.01\"}"), 5);
  EXPECT_EQ(s.at(bucket + "0.1\"}"), 5);
  EXPECT_EQ(s.at(bucket + "+Inf\"}"), 6);
  EXPECT_EQ(s.at("linkly_redirect_duration_seconds_count"), 6);
  EXPECT_NEAR(s.at("linkly_redirect_duration_seconds_sum"), 0.307480, 1e-9);
}

TEST(RenderMetrics, WithoutClicksOnlyRedirectMetrics) {
  http_metrics h;
  router_context ctx;
  ctx.metrics = &h;
  auto res = answer(ctx, http::verb::get, "/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->result(), http::status::ok);
  auto s = samples_of(res->body());
  EXPECT_EQ(s.count("linkly_clicks_enqueued_total"), 0u);
  EXPECT_EQ(s.at("linkly_redirects_total"), 0);
  EXPECT_EQ(s.at("linkly_redirect_duration_seconds_bucket{le=\"+Inf\"}"), 0);
}

TEST(MetricsRoute, OnlyGetAndHead) {
  router_context ctx;
  auto head = answer(ctx, http::verb::head, "/metrics");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->result(), http::status::ok);
  EXPECT_TRUE(head->body().empty());
  for (auto method : {http::verb::post, http::verb::put, http::verb::delete_}) {
    auto res = answer(ctx, method, "/metrics");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->result(), http::status::method_not_allowed);
    EXPECT_EQ((*res)[http::field::allow], "GET, HEAD");
  }
}

}  // namespace
}  // namespace linkly
