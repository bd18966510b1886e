// Deleting visits through handle_request and a running engine: linkly's
// DELETE /links/{code}/visits and /visits/orphan and Shlink's forms answer
// how many visits went once analytics applied the VisitsDeleted, 404 for a
// code no live link has, 503 (writing nothing) without analytics, 401
// without the token; with an io worker the answer waits for the projection.

#include "actors/read_view.hpp"
#include "http/access_control.hpp"
#include "http/io_worker.hpp"
#include "schemas/orphan_visit.hpp"
#include "schemas/visits_deleted.hpp"
#include "tests/http/engine_router_fixture.hpp"
#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

// Appends events to a real clicks log; applies them to the analytics store
// at once, or, with hold(), only when the test says so.
class projecting_clicks : public testing::fake_click_service {
 public:
  projecting_clicks(event_log& log, projection_store& store) : log_(log), store_(store) {}

  void append_event(envelope event, std::function<void(event_append_reply)> done) override {
    std::vector<envelope> one{std::move(event)};
    append_result r;
    event_append_reply reply;
    if (status st = log_.append(one, &r); !st) {
      reply.fail(reply_code::unavailable, st.to_string());
      return done(std::move(reply));
    }
    one[0].seq = r.first_seq;
    reply.seq = r.first_seq;
    {
      std::lock_guard lock(mutex_);
      appended_.push_back(one[0]);
      if (hold_) {
        held_.push_back(one[0]);
        one.clear();
      }
    }
    if (!one.empty()) EXPECT_TRUE(store_.apply(kClicksLog, one[0]));
    done(std::move(reply));
  }

  void hold() { hold_ = true; }
  // Applies what hold() kept back.
  void release() {
    std::vector<envelope> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    for (const envelope& env : held) EXPECT_TRUE(store_.apply(kClicksLog, env));
  }
  std::vector<envelope> appended() const {
    std::lock_guard lock(mutex_);
    return appended_;
  }

 private:
  event_log& log_;
  projection_store& store_;
  mutable std::mutex mutex_;
  bool hold_ = false;
  std::vector<envelope> held_;
  std::vector<envelope> appended_;
};

class VisitsDeleteRouterTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_engine("linkly-visits-delete-router"));
    ASSERT_EQ(command(create_link{"a", "https://example.com/a"}), command_errc::ok);
    ASSERT_EQ(command(create_link{"b", "https://example.com/b"}), command_errc::ok);
    ASSERT_NO_FATAL_FAILURE(project_clicks({"a", "a", "b"}));
    clicks_ = std::make_unique<projecting_clicks>(*clicks_log_, *store_);
    ctx_.clicks = clicks_.get();
    ctx_.sources.clicks_log = clicks_log_.get();
  }

  void TearDown() override {
    if (io_thread_.joinable()) {
      worker_.release_work();
      worker_.context().stop();
      io_thread_.join();
    }
    ctx_ = {};
    EngineRouterTest::TearDown();
  }

  // Sends `target`; the future holds the answer.
  std::future<http_response> send(http::verb method, std::string target,
                                  std::vector<std::pair<http::field, std::string>> headers = {}) {
    http_request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:3111");
    for (auto& [name, value] : headers) req.set(name, value);
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto answer = done->get_future();
    request_info info;
    info.worker = io_thread_.joinable() ? &worker_ : nullptr;
    handle_request(
        req, ctx_, [done](http_response r) { done->set_value(std::move(r)); }, info);
    return answer;
  }

  // The answer to `target`; fails fatally (call it under
  // ASSERT_NO_FATAL_FAILURE) if none comes.
  void call(http::verb method, std::string target, http_response* out,
            std::vector<std::pair<http::field, std::string>> headers = {}) {
    auto answer = send(method, target, std::move(headers));
    // Never get() an answer that may not come: the test would hang.
    ASSERT_EQ(answer.wait_for(kDeadline), std::future_status::ready) << target;
    *out = answer.get();
  }

  json::object body_of(const http_response& res) { return json::parse(res.body()).as_object(); }

  std::uint64_t visits_of(const std::string& code) {
    return ctx_.sources.analytics->visits_of(code, kLatestIncarnation).total;
  }

  void run_io_thread() {
    io_thread_ = std::thread([this] { worker_.context().run(); });
  }

  std::unique_ptr<projecting_clicks> clicks_;
  io_worker worker_;
  std::thread io_thread_;
};

TEST_F(VisitsDeleteRouterTest, DeletingALinksVisitsAnswersHowManyWent) {
  ASSERT_EQ(visits_of("a"), 2u);
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/links/a/visits", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(body_of(res), (json::object{{"code", "a"}, {"deleted_visits", 2}}));
  EXPECT_EQ(visits_of("a"), 0u);
  EXPECT_EQ(visits_of("b"), 1u) << "another link keeps its visits";

  // The event: the link's current life, with the unnamed clicks of its first.
  std::vector<envelope> appended = clicks_->appended();
  ASSERT_EQ(appended.size(), 1u);
  visits_deleted event;
  ASSERT_TRUE(decode_visits_deleted(appended[0], &event));
  EXPECT_EQ(event.code, "a");
  link_info a;
  ASSERT_TRUE(ctx_.view->find("a", &a));
  EXPECT_EQ(event.incarnation, a.incarnation);
  EXPECT_TRUE(event.unnamed_too);

  // Again: nothing left.
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/links/a/visits", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(body_of(res).at("deleted_visits"), 0);
}

TEST_F(VisitsDeleteRouterTest, ShlinkAnswersDeletedVisits) {
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/short-urls/b/visits", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_EQ(body_of(res), (json::object{{"deletedVisits", 1}}));
  EXPECT_EQ(visits_of("b"), 0u);
  EXPECT_EQ(visits_of("a"), 2u);
}

TEST_F(VisitsDeleteRouterTest, AnUnknownOrDeletedCodeIsNotFoundAndWritesNothing) {
  ASSERT_EQ(command(delete_link{"b"}), command_errc::ok);
  for (const char* code : {"nope", "b", "bad%20code"}) {
    http_response res;
    ASSERT_NO_FATAL_FAILURE(
        call(http::verb::delete_, std::string("/links/") + code + "/visits", &res));
    EXPECT_EQ(res.result(), http::status::not_found) << code;
    EXPECT_TRUE(body_of(res).contains("error")) << res.body();

    ASSERT_NO_FATAL_FAILURE(
        call(http::verb::delete_, std::string("/rest/v3/short-urls/") + code + "/visits", &res));
    EXPECT_EQ(res.result(), http::status::not_found) << code;
    EXPECT_EQ(res[http::field::content_type], "application/problem+json");
    json::object problem = body_of(res);
    EXPECT_EQ(problem.at("type"), "https://shlink.io/api/error/short-url-not-found");
    EXPECT_EQ(problem.at("status"), 404);
    EXPECT_TRUE(problem.contains("shortCode")) << res.body();
  }
  EXPECT_TRUE(clicks_->appended().empty());
}

TEST_F(VisitsDeleteRouterTest, OrphanVisitsAreDeletedOnBothApis) {
  for (int i = 0; i < 2; ++i) {
    orphan_visit v;
    v.visited_url = "/s/missing";
    std::vector<envelope> one{make_orphan_envelope(v)};
    append_result r;
    ASSERT_TRUE(clicks_log_->append(one, &r));
    one[0].seq = r.first_seq;
    ASSERT_TRUE(store_->apply(kClicksLog, one[0]));
  }
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/visits/orphan", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(body_of(res), (json::object{{"deleted_visits", 2}}));
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/visits/orphan", &res));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(body_of(res), (json::object{{"deletedVisits", 0}}));
  EXPECT_EQ(visits_of("a"), 2u) << "a link's visits are not orphans";
}

TEST_F(VisitsDeleteRouterTest, WithoutAnalyticsOrClicksItIsUnavailableAndWritesNothing) {
  ctx_.sources.analytics = nullptr;
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/links/a/visits", &res));
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_TRUE(body_of(res).contains("error")) << res.body();
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/short-urls/a/visits", &res));
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res[http::field::content_type], "application/problem+json");
  ctx_.sources.analytics = reader_.get();
  clicks_->set_mode(click_mode::off);
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/visits/orphan", &res));
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_TRUE(clicks_->appended().empty());
  EXPECT_EQ(visits_of("a"), 2u);
}

TEST_F(VisitsDeleteRouterTest, TheAnswerWaitsUntilAnalyticsAppliedTheDeletion) {
  run_io_thread();
  clicks_->hold();
  auto answer = send(http::verb::delete_, "/links/a/visits");
  // Appended, not applied: no answer while analytics lags behind. (Bounded:
  // the appended event is seen first, then a short window must stay quiet.)
  const auto deadline = std::chrono::steady_clock::now() + kDeadline;
  while (clicks_->appended().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  ASSERT_EQ(clicks_->appended().size(), 1u);
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(50)), std::future_status::timeout);
  clicks_->release();
  ASSERT_EQ(answer.wait_for(kDeadline), std::future_status::ready);
  http_response res = answer.get();
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(body_of(res).at("deleted_visits"), 2);
}

TEST_F(VisitsDeleteRouterTest, TheRoutesNeedTheToken) {
  const std::string token = "test-token-0123456789abcdef";
  access_options options;
  options.token = token;
  access_control access(options);
  ctx_.access = &access;
  for (const char* target : {"/links/a/visits", "/visits/orphan"}) {
    http_response res;
    ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, target, &res));
    EXPECT_EQ(res.result(), http::status::unauthorized) << target;
    ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, target, &res,
                                 {{http::field::authorization, "Bearer wrong-token-0123456789"}}));
    EXPECT_EQ(res.result(), http::status::unauthorized) << target;
  }
  http_response res;
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/short-urls/a/visits", &res));
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_EQ(body_of(res).at("type"), "https://shlink.io/api/error/missing-authentication");
  EXPECT_TRUE(clicks_->appended().empty());
  EXPECT_EQ(visits_of("a"), 2u);

  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/links/a/visits", &res,
                               {{http::field::authorization, "Bearer " + token}}));
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
  ASSERT_NO_FATAL_FAILURE(call(http::verb::delete_, "/rest/v3/short-urls/b/visits", &res,
                               {{http::field::authorization, "Bearer " + token}}));
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(visits_of("a"), 0u);
  EXPECT_EQ(visits_of("b"), 0u);
}

}  // namespace
}  // namespace linkly
