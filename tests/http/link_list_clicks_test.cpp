// GET /links through a running engine: each entry of a page carries its
// click total from the analytics store, as GET /links/{code} does.

#include "actors/analytics_projection.hpp"
#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_replay.hpp"
#include "http/router.hpp"
#include "schemas/click_events.hpp"
#include "storage/event_log.hpp"
#include "storage/projection_store.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <filesystem>
#include <future>
#include <memory>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kDeadline = 5s;

class LinkListClicksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = linkly::testing::make_temp_dir("linkly-list-clicks");
    ASSERT_FALSE(dir_.empty());
    log_options log_opts;
    log_opts.sync = false;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_ + "/links", log_opts, &log));
    links_log_ = std::shared_ptr<event_log>(std::move(log));
    engine_options opts;
    opts.link_shards = 2;
    opts.scheduler_threads = 2;
    status st = engine::start(
        opts, links_log_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
    ctx_.links = &engine_->links();
    ctx_.view = &engine_->view();
    for (const char* code : {"busy", "quiet", "some"}) {
      ASSERT_EQ(create(code), command_errc::ok) << code;
    }
  }

  void TearDown() override {
    ctx_ = {};
    reader_.reset();
    store_.reset();
    if (engine_) engine_->stop();
    engine_.reset();
    clicks_log_.reset();
    links_log_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  command_errc create(std::string code) {
    std::promise<command_reply> done;
    auto reply = done.get_future();
    engine_->links().create(create_link{std::move(code), "https://example.com/"},
                            [&done](command_reply r) { done.set_value(std::move(r)); });
    if (reply.wait_for(kDeadline) != std::future_status::ready) return command_errc::unavailable;
    return reply.get().code;
  }

  // Three clicks of "busy", one of "some", projected into an analytics store.
  void project_clicks() {
    log_options log_opts;
    log_opts.sync = false;
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", log_opts, &clicks_log_));
    for (const char* code : {"busy", "some", "busy", "busy"}) {
      click_recorded click;
      click.code = code;
      click.clicked_at_ms = 1'767'225'600'000;
      std::vector<envelope> batch{make_click_envelope(click)};
      append_result result;
      ASSERT_TRUE(clicks_log_->append(batch, &result));
    }
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", {}, &store_));
    std::uint64_t applied = 0;
    ASSERT_TRUE(replay_projection(analytics_projection{}, *store_, *links_log_, clicks_log_.get(),
                                  kToHead, kToHead, 64, &applied));
    reader_ = std::make_unique<analytics_reader>(*store_, *links_log_, clicks_log_.get());
    ctx_.sources.analytics = reader_.get();
  }

  // The answer to a GET, sent later from an actor thread.
  json::object page(std::string target) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto answer = done->get_future();
    handle_request(req, ctx_, [done](http_response r) { done->set_value(std::move(r)); });
    EXPECT_EQ(answer.wait_for(kDeadline), std::future_status::ready) << target;
    http_response res = answer.get();
    EXPECT_EQ(res.result(), http::status::ok) << target << " " << res.body();
    return json::parse(res.body()).as_object();
  }

  std::string dir_;
  std::shared_ptr<event_log> links_log_;
  std::unique_ptr<event_log> clicks_log_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<projection_store> store_;
  std::unique_ptr<analytics_reader> reader_;
  router_context ctx_;
};

TEST_F(LinkListClicksTest, EachListedLinkCarriesItsClickTotal) {
  project_clicks();
  auto body = page("/links");
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 3u);
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& link : links) {
    seen.emplace_back(std::string(link.at("code").as_string()), link.at("clicks").to_number<int>());
    EXPECT_FALSE(link.as_object().contains("freshness"));  // the page carries it once
  }
  EXPECT_TRUE(body.contains("freshness"));
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, int>>{{"busy", 3}, {"quiet", 0}, {"some", 1}}));
}

TEST_F(LinkListClicksTest, TotalsFollowThePageCursor) {
  project_clicks();
  auto first = page("/links?limit=1");
  ASSERT_EQ(first.at("links").as_array().size(), 1u);
  EXPECT_EQ(first.at("links").at(0).at("clicks").to_number<int>(), 3);
  EXPECT_EQ(first.at("next").as_string(), "busy");
  auto second = page("/links?limit=2&after=busy");
  ASSERT_EQ(second.at("links").as_array().size(), 2u);
  EXPECT_EQ(second.at("links").at(0).at("clicks").to_number<int>(), 0);
  EXPECT_EQ(second.at("links").at(1).at("clicks").to_number<int>(), 1);
}

TEST_F(LinkListClicksTest, WithoutAnalyticsEntriesHaveNoClicks) {
  auto body = page("/links");
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 3u);
  // A missing "clicks" is never mistaken for 0.
  for (const auto& link : links) EXPECT_FALSE(link.as_object().contains("clicks"));
}

}  // namespace
}  // namespace linkly
