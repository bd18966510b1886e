// GET /healthz and the writable gauges of /metrics over real stores on a
// disk that fails writes: degraded (503, naming the store) from a failed
// write until the store reopened, then healthy again.

#include "http/store_health.hpp"
#include "http/router.hpp"
#include "storage/dead_letter_store.hpp"
#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>

namespace linkly_test {
namespace {

namespace http = boost::beast::http;

class StoreHealthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<faulty_env>(mem_env_.get());
    log_options options;
    options.env = env_.get();
    options.heal_backoff_initial = std::chrono::milliseconds(0);
    options.heal_backoff_max = std::chrono::milliseconds(0);
    ASSERT_TRUE(event_log::open("/mem/links", options, &links_).is_ok());
    ASSERT_TRUE(event_log::open("/mem/clicks", options, &clicks_).is_ok());
    dead_letter_options dlq;
    dlq.env = env_.get();
    ASSERT_TRUE(dead_letter_store::open("/mem/dlq", dlq, &dead_letters_).is_ok());
    ctx_.sources.links_log = links_.get();
    ctx_.sources.clicks_log = clicks_.get();
    ctx_.sources.dead_letters = dead_letters_.get();
  }

  http_response answer(const std::string& target) {
    std::optional<http_response> out;
    handle_request(http_request{http::verb::get, target, 11}, ctx_,
                   [&](http_response res) { out = std::move(res); });
    EXPECT_TRUE(out.has_value());
    return out ? *out : http_response{};
  }

  bool metrics_contain(const std::string& line) {
    return answer("/metrics").body().find(line + "\n") != std::string::npos;
  }

  // Declared before the stores: they close before their Env goes away.
  std::unique_ptr<leveldb::Env> mem_env_;
  std::unique_ptr<faulty_env> env_;
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
  std::unique_ptr<dead_letter_store> dead_letters_;
  router_context ctx_;
};

TEST_F(StoreHealthTest, HealthyStoresAnswer200AndGauges1) {
  http_response res = answer("/healthz");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), R"({"status":"ok"})");
  EXPECT_TRUE(metrics_contain(R"(linkly_log_writable{log="links"} 1)"));
  EXPECT_TRUE(metrics_contain(R"(linkly_log_writable{log="clicks"} 1)"));
  EXPECT_TRUE(metrics_contain("linkly_dead_letters_writable 1"));
  EXPECT_EQ(answer("/metrics").body().find("linkly_links_stream_following"), std::string::npos);
}

TEST_F(StoreHealthTest, FailedWriteIsDegradedUntilTheLogReopens) {
  env_->fail_from(0);
  std::vector<envelope> batch = events(1, 1);
  append_result r;
  ASSERT_FALSE(links_->append(batch, &r).is_ok());

  http_response res = answer("/healthz");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  boost::json::value body = boost::json::parse(res.body());
  EXPECT_EQ(body.at("status"), "degraded");
  ASSERT_EQ(body.at("reasons").as_array().size(), 1u) << res.body();
  const std::string reason(body.at("reasons").as_array()[0].as_string());
  EXPECT_EQ(reason.rfind("links log cannot be written: ", 0), 0u) << reason;
  EXPECT_NE(reason.find("injected write failure"), std::string::npos) << reason;
  EXPECT_TRUE(metrics_contain(R"(linkly_log_writable{log="links"} 0)"));
  EXPECT_TRUE(metrics_contain(R"(linkly_log_writable{log="clicks"} 1)"));

  env_->heal();
  ASSERT_TRUE(links_->heal().is_ok());
  EXPECT_EQ(answer("/healthz").result(), http::status::ok);
  EXPECT_TRUE(metrics_contain(R"(linkly_log_writable{log="links"} 1)"));
}

TEST_F(StoreHealthTest, DeadLetterStoreFailureIsAReasonToo) {
  env_->fail_from(0);
  dead_letter entry;
  entry.queue = "clicks";
  ASSERT_FALSE(dead_letters_->put(&entry).is_ok());
  env_->heal();
  http_response res = answer("/healthz");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_NE(res.body().find("dead-letter store cannot be written"), std::string::npos)
      << res.body();
  EXPECT_TRUE(metrics_contain("linkly_dead_letters_writable 0"));
}

TEST_F(StoreHealthTest, ClusterModeReportsTheLinksStream) {
  std::string problem;
  ctx_.sources.stream_problem = [&problem] { return problem; };
  http_response res = answer("/healthz");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.body(), R"({"status":"ok","stream":"reachable"})");
  EXPECT_TRUE(metrics_contain("linkly_links_stream_following 1"));
  problem = "links stream unreachable: io error: no server";
  res = answer("/healthz");
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(res.body(),
            R"({"status":"degraded","reasons":["links stream unreachable: io error: no server"]})");
  EXPECT_TRUE(metrics_contain("linkly_links_stream_following 0"));
}

}  // namespace
}  // namespace linkly_test
