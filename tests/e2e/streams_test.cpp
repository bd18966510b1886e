// Tutorial chapter 5, live streams, against a real `linkly serve`: a
// listener on /clicks/stream sees exactly the clicks of the redirects made
// while it listens, and /clicks/summary agrees; /events resumes after
// Last-Event-ID, so a client that drops mid-stream sees every event once.

#include "tests/http/stream_test_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using linkly::testing::sse_message;
using linkly::testing::stream_test_client;

boost::json::object parse_object(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  return !ec && value.is_object() ? value.as_object() : boost::json::object{};
}

class StreamsTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  void create(const std::string& code) {
    http_response res = create_link(client_, "https://example.com/" + code, code);
    ASSERT_EQ(res.status, 201) << res.describe();
  }

  temp_dir data_;
  server_process server_{data_.path()};
  http_client client_{server_.port()};
};

TEST_F(StreamsTest, ClickListenerGetsExactlyTheClicksOfThreeRedirects) {
  create("demo");
  stream_test_client listener(server_.port());
  ASSERT_EQ(listener.open("/clicks/stream"), 200) << listener.header() << listener.body();
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client_.get("/s/demo").status, 302);

  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 3; ++i) {
    auto msg = listener.next(10s);
    ASSERT_TRUE(msg.has_value()) << "click " << i << "\n" << server_.output_text();
    auto data = parse_object(msg->data);
    ASSERT_FALSE(data.empty()) << msg->data;
    EXPECT_EQ(data.at("code").as_string(), "demo");
    EXPECT_EQ(msg->id, std::to_string(data.at("id").to_number<std::uint64_t>()));
    EXPECT_EQ(data.at("clicked_at").as_string().size(), 24u) << msg->data;  // ...T..:..:..._Z
    ids.push_back(data.at("id").to_number<std::uint64_t>());
  }
  EXPECT_LT(ids[0], ids[1]);
  EXPECT_LT(ids[1], ids[2]);
  // The listener joined before the first redirect: the log holds these three
  // clicks and nothing else.
  http_response summary = client_.get("/clicks/summary");
  ASSERT_EQ(summary.status, 200) << summary.describe();
  boost::json::object body = json_object(summary);
  EXPECT_EQ(body.at("total").to_number<std::uint64_t>(), 3u) << summary.body;
  EXPECT_EQ(body.at("last_id").to_number<std::uint64_t>(), ids.back()) << summary.body;
}

TEST_F(StreamsTest, EventsResumeAfterLastEventIdWithEveryEventOnce) {
  for (int i = 1; i <= 5; ++i) create("c" + std::to_string(i));
  std::vector<std::uint64_t> seen;
  {
    stream_test_client first(server_.port());
    ASSERT_EQ(first.open("/events"), 200) << first.header() << first.body();
    for (int i = 0; i < 2; ++i) {
      auto msg = first.next(10s);
      ASSERT_TRUE(msg.has_value());
      EXPECT_EQ(msg->event, "LinkCreated");
      seen.push_back(std::stoull(msg->id));
    }
    first.close();
  }
  for (int i = 6; i <= 8; ++i) create("c" + std::to_string(i));
  stream_test_client second(server_.port());
  ASSERT_EQ(second.open("/events", {{"Last-Event-ID", std::to_string(seen.back())}}), 200);
  while (seen.size() < 8) {
    auto msg = second.next(10s);
    ASSERT_TRUE(msg.has_value()) << "after seq " << seen.back();
    auto data = parse_object(msg->data);
    EXPECT_EQ(data.at("seq").to_number<std::uint64_t>(), std::stoull(msg->id));
    EXPECT_EQ(data.at("key").as_string(), "c" + msg->id);
    seen.push_back(std::stoull(msg->id));
  }
  // Live: an update made while connected.
  ASSERT_EQ(client_.put("/links/c3", R"({"url":"https://example.com/moved"})").status, 200);
  auto live = second.next(10s);
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->event, "LinkUpdated");
  seen.push_back(std::stoull(live->id));
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1) << i;
}

}  // namespace
}  // namespace linkly::e2e
