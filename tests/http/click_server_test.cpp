// Clicks over real sockets: redirects on keep-alive connections reach the
// click service in batches, and none is lost when a client goes away or the
// server stops.

#include "tests/http/fake_click_service.hpp"
#include "tests/http/server_fixture.hpp"
#include "tests/support/eventually.hpp"

#include "schemas/click_events.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

namespace linkly::testing {
namespace {

using namespace std::chrono_literals;

class ClickServerTest : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    clicks_ = &fake_;
  }

  // Starts the server and creates the link "hot".
  void start_with_link() {
    start_server();
    auto created =
        fetch(http::verb::post, "/links", R"({"url":"https://example.com/hot","code":"hot"})");
    ASSERT_EQ(created.result(), http::status::created) << created.body();
  }

  // `n` redirects on one keep-alive connection, each answered 302.
  void redirect_n(test_client& client, int n) {
    for (int i = 0; i < n; ++i) {
      client_request req{http::verb::get, "/s/hot", 11};
      req.set("CF-IPCountry", "DE");
      auto res = client.send(std::move(req));
      ASSERT_EQ(res.result(), http::status::found) << i;
      ASSERT_TRUE(res.keep_alive());
    }
  }

  fake_click_service fake_;
};

TEST_F(ClickServerTest, KeepAliveRedirectsAreSubmittedInBatches) {
  start_with_link();
  constexpr int n = 300;
  auto client = connect();
  redirect_n(client, n);
  ASSERT_TRUE(fake_.wait_for_clicks(n, 5s)) << fake_.submitted_count();
  EXPECT_EQ(fake_.submitted_count(), static_cast<std::size_t>(n));
  EXPECT_LT(fake_.batches().size(), static_cast<std::size_t>(n));
  auto all = fake_.submitted();
  click_recorded click;
  ASSERT_TRUE(decode_click(all.front(), &click));
  EXPECT_EQ(click.code, "hot");
  EXPECT_EQ(click.url, "https://example.com/hot");
  EXPECT_EQ(click.link_version, 1u);
  EXPECT_EQ(click.country, "DE");
  EXPECT_EQ(click.client_address, "127.0.0.0");
  // A HEAD records nothing, a miss one orphan visit (no click). The click
  // of a redirect after them on the same connection (so the same batcher,
  // in order) is submitted after anything they recorded: once it is in,
  // the count is final.
  EXPECT_EQ(client.request(http::verb::head, "/s/hot").result(), http::status::found);
  EXPECT_EQ(client.request(http::verb::get, "/s/none").result(), http::status::not_found);
  auto marker =
      fetch(http::verb::post, "/links", R"({"url":"https://example.com/mark","code":"mark"})");
  ASSERT_EQ(marker.result(), http::status::created) << marker.body();
  EXPECT_EQ(client.request(http::verb::get, "/s/mark").result(), http::status::found);
  ASSERT_TRUE(eventually([&] {
    auto clicks = fake_.submitted();
    click_recorded last;
    return !clicks.empty() && decode_click(clicks.back(), &last) && last.code == "mark";
  })) << fake_.submitted_count();
  auto recorded = fake_.submitted();
  ASSERT_EQ(recorded.size(), static_cast<std::size_t>(n + 2));
  EXPECT_EQ(recorded[n].type, event_type::orphan_visit);
  EXPECT_EQ(recorded[n + 1].type, event_type::click_recorded);
}

TEST_F(ClickServerTest, BatchesAreBoundedByCount) {
  options_.click_batch_max = 8;
  options_.click_batch_wait = std::chrono::seconds(30);  // count only
  start_with_link();
  auto client = connect();
  redirect_n(client, 40);
  ASSERT_TRUE(fake_.wait_for_clicks(40, 5s)) << fake_.submitted_count();
  for (const auto& batch : fake_.batches()) EXPECT_EQ(batch.size(), 8u);
  EXPECT_EQ(fake_.batches().size(), 5u);
}

TEST_F(ClickServerTest, ClicksSurviveTheClientClosing) {
  start_with_link();
  {
    auto client = connect();
    redirect_n(client, 50);
  }  // closed right after the last answer
  {
    auto other = connect();
    redirect_n(other, 7);
    client_request last{http::verb::get, "/hot", 11};
    last.keep_alive(false);
    EXPECT_EQ(other.send(std::move(last)).result(), http::status::found);
    EXPECT_TRUE(other.closed_by_server());
  }
  ASSERT_TRUE(fake_.wait_for_clicks(58, 5s)) << fake_.submitted_count();
  EXPECT_EQ(fake_.submitted_count(), 58u);
}

TEST_F(ClickServerTest, StopSubmitsEveryBatchedClick) {
  // Neither the count nor the timer would send these before stop().
  options_.click_batch_max = 10'000;
  options_.click_batch_wait = std::chrono::seconds(60);
  start_with_link();
  constexpr int n = 120;
  std::vector<std::unique_ptr<test_client>> clients;
  for (int c = 0; c < 3; ++c) {
    clients.push_back(std::make_unique<test_client>(server_->port()));
    redirect_n(*clients.back(), n / 3);
  }
  // One connection ended by the server, two still open.
  client_request last{http::verb::get, "/healthz", 11};
  last.keep_alive(false);
  EXPECT_EQ(clients.back()->send(std::move(last)).result(), http::status::ok);
  ASSERT_TRUE(clients.back()->closed_by_server());
  clients.pop_back();
  EXPECT_EQ(fake_.submitted_count(), 0u);
  server_->stop();
  EXPECT_EQ(fake_.submitted_count(), static_cast<std::size_t>(n));
  EXPECT_LE(fake_.batches().size(), options_.io_threads);
}

TEST_F(ClickServerTest, MetricsCountServedRedirects) {
  start_with_link();
  auto client = connect();
  redirect_n(client, 5);
  auto res = client.request(http::verb::get, "/metrics");
  ASSERT_EQ(res.result(), http::status::ok);
  EXPECT_NE(res.body().find("\nlinkly_redirects_total 5\n"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("linkly_redirect_duration_seconds_count 5\n"), std::string::npos);
  EXPECT_NE(res.body().find("linkly_clicks_enqueued_total 0\n"), std::string::npos);
}

TEST_F(ClickServerTest, InlineModeRedirectWaitsForTheWrite) {
  fake_.set_mode(click_mode::inline_write);
  start_with_link();
  auto client = connect();
  client_request req{http::verb::get, "/s/hot", 11};
  req.set(http::field::host, "127.0.0.1");
  req.prepare_payload();
  std::ostringstream raw;
  raw << req;
  ASSERT_TRUE(client.write_raw(raw.str()));
  ASSERT_TRUE(eventually([&] { return !fake_.writes().empty(); }));
  ASSERT_EQ(fake_.writes().size(), 1u);
  // Answer the write from another thread, as an actor would.
  std::thread writer([this] { fake_.complete_write(true); });
  auto res = client.read_response();
  writer.join();
  EXPECT_EQ(res.result(), http::status::found);
  EXPECT_EQ(fake_.submitted_count(), 0u);
}

}  // namespace
}  // namespace linkly::testing
