// GET /links/{code}?as_of=SEQ and the stats of a deleted link, through a
// running engine: answers come from link_service history, later, on an
// actor thread, so each is awaited with a deadline.

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
#include <cstdlib>
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

class AsOfRouterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = linkly::testing::make_temp_dir("linkly-as-of");
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
    ctx_.sources.links_log = links_log_.get();

    // seq 1: demo created; 2: demo updated; 3: other created; 4: demo deleted.
    ASSERT_EQ(command(create_link{"demo", "https://example.com/v1"}), command_errc::ok);
    ASSERT_EQ(command(update_link{"demo", "https://example.com/v2"}), command_errc::ok);
    ASSERT_EQ(command(create_link{"other", "https://example.com/other"}), command_errc::ok);
    ASSERT_EQ(command(delete_link{"demo"}), command_errc::ok);
    ASSERT_EQ(links_log_->highest_seq(), 4u);
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

  template <class Command>
  command_errc command(Command cmd) {
    std::promise<command_reply> done;
    auto reply = done.get_future();
    auto cb = [&done](command_reply r) { done.set_value(std::move(r)); };
    if constexpr (std::is_same_v<Command, create_link>) {
      engine_->links().create(std::move(cmd), cb);
    } else if constexpr (std::is_same_v<Command, update_link>) {
      engine_->links().update(std::move(cmd), cb);
    } else {
      engine_->links().remove(std::move(cmd), cb);
    }
    if (reply.wait_for(kDeadline) != std::future_status::ready) return command_errc::unavailable;
    return reply.get().code;
  }

  // The answer to a GET, whether sent at once or later from an actor thread.
  http_response get(std::string target) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto res = done->get_future();
    handle_request(req, ctx_, [done](http_response r) { done->set_value(std::move(r)); });
    EXPECT_EQ(res.wait_for(kDeadline), std::future_status::ready) << target;
    return res.get();
  }

  json::object body_of(std::string target, http::status expected) {
    http_response res = get(target);
    EXPECT_EQ(res.result(), expected) << target << " " << res.body();
    EXPECT_EQ(res[http::field::content_type], "application/json") << target;
    return json::parse(res.body()).as_object();
  }

  // An analytics store over the engine's links log and a clicks log with
  // two clicks of the deleted "demo".
  void project_clicks() {
    log_options log_opts;
    log_opts.sync = false;
    std::unique_ptr<event_log> clicks;
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", log_opts, &clicks));
    clicks_log_ = std::move(clicks);
    for (int i = 0; i < 2; ++i) {
      click_recorded click;
      click.code = "demo";
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

  std::string dir_;
  std::shared_ptr<event_log> links_log_;
  std::unique_ptr<event_log> clicks_log_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<projection_store> store_;
  std::unique_ptr<analytics_reader> reader_;
  router_context ctx_;
};

TEST_F(AsOfRouterTest, AsOfCreationIsTheFirstVersion) {
  auto body = body_of("/links/demo?as_of=1", http::status::ok);
  EXPECT_EQ(body.at("code").as_string(), "demo");
  EXPECT_EQ(body.at("url").as_string(), "https://example.com/v1");
  EXPECT_EQ(body.at("version").to_number<int>(), 1);
  EXPECT_EQ(body.at("created_at"), body.at("updated_at"));
  EXPECT_EQ(body.at("as_of").to_number<int>(), 1);
}

TEST_F(AsOfRouterTest, AsOfAfterUpdateIsTheUpdatedVersion) {
  for (auto seq : {2, 3}) {
    auto body = body_of("/links/demo?as_of=" + std::to_string(seq), http::status::ok);
    EXPECT_EQ(body.at("url").as_string(), "https://example.com/v2") << seq;
    EXPECT_EQ(body.at("version").to_number<int>(), 2) << seq;
    EXPECT_EQ(body.at("as_of").to_number<int>(), seq);
  }
}

TEST_F(AsOfRouterTest, AsOfBeforeCreationIsNotFound) {
  auto body = body_of("/links/other?as_of=2", http::status::not_found);
  EXPECT_EQ(body.at("error").as_string(), "link not found");
  EXPECT_EQ(body_of("/links/other?as_of=3", http::status::ok).at("version").to_number<int>(), 1);
}

TEST_F(AsOfRouterTest, AsOfAfterDeletionIsNotFound) {
  auto body = body_of("/links/demo?as_of=4", http::status::not_found);
  EXPECT_EQ(body.at("error").as_string(), "link not found");
  // And the link is gone now, too.
  EXPECT_EQ(body_of("/links/demo", http::status::not_found).at("error").as_string(),
            "link not found");
}

TEST_F(AsOfRouterTest, AsOfOfUnknownCodeIsNotFound) {
  EXPECT_EQ(body_of("/links/never?as_of=4", http::status::not_found).at("error").as_string(),
            "link not found");
}

TEST_F(AsOfRouterTest, StatsOfDeletedLinkAreServed) {
  project_clicks();
  auto body = body_of("/links/demo/stats", http::status::ok);
  EXPECT_EQ(body.at("total").to_number<int>(), 2);
  EXPECT_EQ(body.at("freshness").at("clicks").at("head").to_number<int>(), 2);
}

TEST_F(AsOfRouterTest, StatsOfCodeNeverCreatedAreNotFound) {
  project_clicks();
  EXPECT_EQ(body_of("/links/never/stats", http::status::not_found).at("error").as_string(),
            "link not found");
  EXPECT_EQ(body_of("/links/other/stats", http::status::ok).at("total").to_number<int>(), 0);
}

}  // namespace
}  // namespace linkly
