// GET /links through a running engine: each entry of a page carries its
// click total from the analytics store, as GET /links/{code} does.

#include "actors/analytics_projection.hpp"
#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_replay.hpp"
#include "http/io_worker.hpp"
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
#include <thread>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

constexpr auto kDeadline = 5s;

// An io_worker whose context runs on a thread of its own, as a server's
// does, until the test ends.
class worker_thread {
 public:
  worker_thread() : thread_([this] { worker_.context().run(); }) {}
  ~worker_thread() {
    worker_.post([this] { worker_.release_work(); });  // its own thread only
    thread_.join();
    worker_.close_gate();
  }
  worker_thread(const worker_thread&) = delete;
  worker_thread& operator=(const worker_thread&) = delete;

  io_worker& worker() { return worker_; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  io_worker worker_;
  std::thread thread_;
};

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

  // The answer to a GET, sent later from an actor thread, or from
  // `worker`'s thread when given; `*sent_on`: the thread that sent it.
  // Fails fatally (call it under ASSERT_NO_FATAL_FAILURE) if none comes.
  void page(std::string target, json::object* out, io_worker* worker = nullptr,
            std::thread::id* sent_on = nullptr) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<std::pair<http_response, std::thread::id>>>();
    auto answer = done->get_future();
    handle_request(
        req, ctx_,
        [done](http_response r) {
          done->set_value({std::move(r), std::this_thread::get_id()});
        },
        request_info{{}, nullptr, nullptr, worker});
    // Never get() an answer that may not come: the test would hang.
    ASSERT_EQ(answer.wait_for(kDeadline), std::future_status::ready) << target;
    auto [res, thread] = answer.get();
    ASSERT_EQ(res.result(), http::status::ok) << target << " " << res.body();
    if (sent_on != nullptr) *sent_on = thread;
    *out = json::parse(res.body()).as_object();
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
  json::object body;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body));
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
  json::object first, second;
  ASSERT_NO_FATAL_FAILURE(page("/links?limit=1", &first));
  ASSERT_EQ(first.at("links").as_array().size(), 1u);
  EXPECT_EQ(first.at("links").at(0).at("clicks").to_number<int>(), 3);
  EXPECT_EQ(first.at("next").as_string(), "busy");
  ASSERT_NO_FATAL_FAILURE(page("/links?limit=2&after=busy", &second));
  ASSERT_EQ(second.at("links").as_array().size(), 2u);
  EXPECT_EQ(second.at("links").at(0).at("clicks").to_number<int>(), 0);
  EXPECT_EQ(second.at("links").at(1).at("clicks").to_number<int>(), 1);
}

// As a session calls it: the page comes back on an actor thread, and the
// totals are read on the connection's io thread it is posted to.
TEST_F(LinkListClicksTest, TotalsAreReadOnTheConnectionsIoThread) {
  project_clicks();
  worker_thread io;
  json::object body;
  std::thread::id sent_on;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body, &io.worker(), &sent_on));
  EXPECT_EQ(sent_on, io.id());
  std::vector<std::pair<std::string, int>> seen;
  for (const auto& link : body.at("links").as_array())
    seen.emplace_back(std::string(link.at("code").as_string()), link.at("clicks").to_number<int>());
  EXPECT_EQ(seen,
            (std::vector<std::pair<std::string, int>>{{"busy", 3}, {"quiet", 0}, {"some", 1}}));
}

TEST_F(LinkListClicksTest, WithoutAnalyticsEntriesHaveNoClicks) {
  json::object body;
  ASSERT_NO_FATAL_FAILURE(page("/links", &body));
  const auto& links = body.at("links").as_array();
  ASSERT_EQ(links.size(), 3u);
  // A missing "clicks" is never mistaken for 0.
  for (const auto& link : links) EXPECT_FALSE(link.as_object().contains("clicks"));
}

}  // namespace
}  // namespace linkly
