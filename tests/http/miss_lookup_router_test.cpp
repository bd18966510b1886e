// Cluster mode's redirect miss through handle_request: a code the read view
// does not hold but the links stream does (created on another node, not yet
// copied here) is answered later, from a lookup thread, as the view would
// have answered it; anything else is 404 with its orphan visit.

#include "http/metrics.hpp"
#include "http/router.hpp"

#include "actors/miss_lookup.hpp"
#include "actors/read_view.hpp"
#include "schemas/click_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "tests/http/fake_click_service.hpp"
#include "tests/http/worker_thread.hpp"
#include "tests/support/memory_stream_log.hpp"
#include "tests/support/stream_link_events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using namespace std::chrono_literals;
using testing::fake_click_service;
using testing::memory_stream_log;
using testing::publish_link_event;

constexpr auto kWait = 10s;  // bounds every wait for an answer

class MissLookupRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    link_info here;
    here.code = "here";
    here.url = "https://here.example/";
    view_.upsert(here);
    ctx_.view = &view_;
    ctx_.clicks = &clicks_;
    ctx_.metrics = &metrics_;
    ctx_.sources.missed_codes = &lookups_;
  }

  // The answer to GET `target`, however late it comes (bounded).
  http_response get(std::string target, bool* answered_at_once = nullptr) {
    auto promise = std::make_shared<std::promise<http_response>>();
    auto f = promise->get_future();
    http_request req{http::verb::get, target, 11};
    req.set(http::field::user_agent, "curl/8.0");
    handle_request(req, ctx_, [promise](http_response res) { promise->set_value(std::move(res)); });
    if (answered_at_once != nullptr) {
      *answered_at_once = f.wait_for(0s) == std::future_status::ready;
    }
    EXPECT_EQ(f.wait_for(kWait), std::future_status::ready) << target;
    return f.get();
  }

  std::shared_ptr<memory_stream_log> stream_ = std::make_shared<memory_stream_log>();
  read_view view_;
  fake_click_service clicks_;
  http_metrics metrics_;
  router_context ctx_;
  // Last: stopped (its callbacks done) before what they use goes.
  miss_lookup lookups_{stream_, [] { return true; }};
};

TEST_F(MissLookupRouterTest, ACodeOnlyTheStreamHoldsRedirectsWithItsClick) {
  const std::uint64_t life =
      publish_link_event(*stream_, link_created{"fresh", "https://fresh.example/page"});
  http_response res = get("/s/fresh?utm=x");
  EXPECT_EQ(res.result(), http::status::found);
  EXPECT_EQ(res[http::field::location], "https://fresh.example/page?utm=x");
  EXPECT_EQ(lookups_.counts().found, 1u);
  EXPECT_EQ(metrics_.redirects.load(), 1u);
  ASSERT_TRUE(clicks_.wait_for_clicks(1, kWait));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  click_recorded click;
  ASSERT_TRUE(decode_click(all[0], &click));
  EXPECT_EQ(click.code, "fresh");
  EXPECT_EQ(click.url, "https://fresh.example/page");
  EXPECT_EQ(click.link_version, 1u);
  EXPECT_EQ(click.incarnation, life);
  EXPECT_EQ(click.user_agent, "curl/8.0");
}

// A click service that notes the thread each batch is handed over on.
class clicks_by_thread : public fake_click_service {
 public:
  void submit(std::vector<envelope> clicks) override {
    {
      std::lock_guard lock(mutex_);
      threads_.push_back(std::this_thread::get_id());
    }
    fake_click_service::submit(std::move(clicks));
  }
  std::vector<std::thread::id> threads() const {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::thread::id> threads_;
};

// The click of a miss answered from the stream goes the way of every
// redirect's: to the connection's io thread, whose batcher spools it before
// it is queued, not straight from the lookup thread to the queue (where a
// kill would lose it).
TEST_F(MissLookupRouterTest, AClickFromTheStreamGoesThroughTheIoThreadsBatcher) {
  clicks_by_thread clicks;
  testing::worker_thread io(&clicks);
  ctx_.clicks = &clicks;
  publish_link_event(*stream_, link_created{"fresh", "https://fresh.example/"});
  auto promise = std::make_shared<std::promise<http_response>>();
  auto f = promise->get_future();
  http_request req{http::verb::get, "/s/fresh", 11};
  request_info info;
  info.worker = &io.worker();
  handle_request(
      req, ctx_, [promise](http_response res) { promise->set_value(std::move(res)); }, info);
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get().result(), http::status::found);
  ASSERT_TRUE(clicks.wait_for_clicks(1, kWait));
  const std::vector<std::thread::id> threads = clicks.threads();
  ASSERT_EQ(threads.size(), 1u);
  EXPECT_EQ(threads[0], io.id());
  ctx_.clicks = &clicks_;
}

TEST_F(MissLookupRouterTest, AQueryIsNotForwardedWhenTheLinkSaysSo) {
  link_attributes attrs;
  attrs.forward_query = false;
  publish_link_event(*stream_, link_created{"plain", "https://plain.example/", attrs});
  http_response res = get("/plain?utm=x");
  EXPECT_EQ(res.result(), http::status::found);
  EXPECT_EQ(res[http::field::location], "https://plain.example/");
}

TEST_F(MissLookupRouterTest, ALinkOutsideItsWindowIsNotRedirectedNorClicked) {
  link_attributes attrs;
  attrs.valid_until_ms = 1;  // long past
  publish_link_event(*stream_, link_created{"over", "https://over.example/", attrs});
  http_response res = get("/s/over");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(lookups_.counts().found, 1u);
  EXPECT_EQ(metrics_.redirects.load(), 0u);
  EXPECT_EQ(clicks_.submitted_count(), 0u);
}

TEST_F(MissLookupRouterTest, ADeletedCodeIs404WithItsOrphanVisit) {
  publish_link_event(*stream_, link_created{"gone", "https://gone.example/"});
  publish_link_event(*stream_, link_deleted{"gone"});
  http_response res = get("/s/gone");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(lookups_.counts().absent, 1u);
  ASSERT_TRUE(clicks_.wait_for_clicks(1, kWait));
  auto all = clicks_.submitted();
  ASSERT_EQ(all.size(), 1u);
  orphan_visit orphan;
  ASSERT_TRUE(decode_orphan_visit(all[0], &orphan));
  EXPECT_EQ(orphan.kind, orphan_kind::invalid_short_url);
}

TEST_F(MissLookupRouterTest, AnUnreachableStreamIs404) {
  publish_link_event(*stream_, link_created{"abc", "https://a.example/"});
  stream_->set_down(true);
  http_response res = get("/s/abc");
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(lookups_.counts().failed, 1u);
}

TEST_F(MissLookupRouterTest, AHitIsAnsweredAtOnceWithoutALookup) {
  bool at_once = false;
  http_response res = get("/s/here", &at_once);
  EXPECT_TRUE(at_once);
  EXPECT_EQ(res.result(), http::status::found);
  const miss_counts c = lookups_.counts();
  EXPECT_EQ(c.found + c.absent + c.failed + c.shed + c.unreachable, 0u);
}

TEST_F(MissLookupRouterTest, AShedMissIsAnswered404AtOnce) {
  miss_lookup_options options;
  options.burst = 0;  // every lookup over the rate
  options.per_second = 0;
  miss_lookup none(
      stream_, [] { return true; }, options);
  ctx_.sources.missed_codes = &none;
  publish_link_event(*stream_, link_created{"abc", "https://a.example/"});
  bool at_once = false;
  http_response res = get("/s/abc", &at_once);
  EXPECT_TRUE(at_once);
  EXPECT_EQ(res.result(), http::status::not_found);
  EXPECT_EQ(none.counts().shed, 1u);
}

TEST_F(MissLookupRouterTest, MetricsListTheLookups) {
  get("/s/nothing");
  auto promise = std::make_shared<std::promise<http_response>>();
  auto f = promise->get_future();
  http_request req{http::verb::get, "/metrics", 11};
  handle_request(req, ctx_, [promise](http_response res) { promise->set_value(std::move(res)); });
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  const std::string body = f.get().body();
  EXPECT_NE(body.find("linkly_cluster_miss_lookups_total{result=\"absent\"} 1"), std::string::npos)
      << body;
}

}  // namespace
}  // namespace linkly
