// /clicks/stream and /clicks/summary over real sockets: a listener gets
// exactly the clicks appended while it listens, filtered by code when asked;
// the listener cap answers 503; a listener that does not read loses events
// (counted) and never holds up the log; quiet streams get keep-alives and
// outlive the idle timeout; stop() closes streams at once.

#include "tests/http/stream_fixture.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace linkly::testing {
namespace {

using namespace std::chrono_literals;

class ClicksStreamTest : public StreamFixture {};

// The id and code of a /clicks/stream message, checked for shape.
void expect_click(const std::optional<sse_message>& msg, std::uint64_t id,
                  const std::string& code) {
  ASSERT_TRUE(msg.has_value()) << "no message for click " << id;
  EXPECT_EQ(msg->id, std::to_string(id));
  EXPECT_TRUE(msg->event.empty());
  auto data = json_of(msg->data);
  ASSERT_FALSE(data.empty()) << msg->data;
  EXPECT_EQ(data.at("id").to_number<std::uint64_t>(), id);
  EXPECT_EQ(data.at("code").as_string(), code);
  EXPECT_EQ(data.at("clicked_at").as_string(), "2023-11-14T22:13:20.000Z");
  EXPECT_EQ(data.size(), 3u) << msg->data;
}

TEST_F(ClicksStreamTest, ListenerReceivesExactlyTheClicksAppended) {
  start_stream_server();
  append_clicks({"early"});  // before the listener: not streamed
  stream_test_client listener(server_->port());
  ASSERT_EQ(listener.open("/clicks/stream"), 200) << listener.header();
  EXPECT_TRUE(listener.header_has("Content-Type: text/event-stream"));
  EXPECT_TRUE(listener.header_has("Cache-Control: no-store"));
  EXPECT_EQ(listener.header().find("Content-Length"), std::string::npos);

  append_clicks({"a", "b"});
  append_clicks({"c"});
  expect_click(listener.next(), 2, "a");
  expect_click(listener.next(), 3, "b");
  expect_click(listener.next(), 4, "c");
  // Nothing in between: the next message is the next click.
  append_clicks({"d"});
  expect_click(listener.next(), 5, "d");
  EXPECT_EQ(click_bus_.dropped(), 0u);
}

TEST_F(ClicksStreamTest, CodeFilterKeepsOnlyThatCode) {
  start_stream_server();
  stream_test_client only_a(server_->port());
  ASSERT_EQ(only_a.open("/clicks/stream?code=a"), 200);
  stream_test_client all(server_->port());
  ASSERT_EQ(all.open("/clicks/stream"), 200);
  append_clicks({"a", "b", "a", "bb"});
  append_clicks({"a"});
  expect_click(only_a.next(), 1, "a");
  expect_click(only_a.next(), 3, "a");
  expect_click(only_a.next(), 5, "a");
  for (auto [id, code] : std::vector<std::pair<int, std::string>>{
           {1, "a"}, {2, "b"}, {3, "a"}, {4, "bb"}, {5, "a"}}) {
    expect_click(all.next(), id, code);
  }
}

TEST_F(ClicksStreamTest, ListenerBeyondTheLimitGets503UntilOneLeaves) {
  ASSERT_EQ(options_.max_click_listeners, 256u);
  start_stream_server();
  std::vector<std::unique_ptr<stream_test_client>> listeners;
  for (int i = 0; i < 256; ++i) {
    listeners.push_back(std::make_unique<stream_test_client>(server_->port()));
    ASSERT_EQ(listeners.back()->open("/clicks/stream"), 200) << i;
  }
  stream_test_client extra(server_->port());
  ASSERT_EQ(extra.open("/clicks/stream"), 503);
  EXPECT_TRUE(extra.header_has("Content-Type: application/json"));
  EXPECT_TRUE(json_of(extra.body()).contains("error"));

  // A listener that leaves frees its place.
  listeners.front()->close();
  listeners.erase(listeners.begin());
  std::unique_ptr<stream_test_client> next;
  ASSERT_TRUE(eventually([&] {
    next = std::make_unique<stream_test_client>(server_->port());
    return next->open("/clicks/stream") == 200;
  }));
  append_clicks({"x"});
  expect_click(next->next(), 1, "x");
  expect_click(listeners.back()->next(), 1, "x");
}

TEST_F(ClicksStreamTest, SummaryIsTheClicksLogHead) {
  start_stream_server();
  auto empty = fetch(http::verb::get, "/clicks/summary");
  ASSERT_EQ(empty.result(), http::status::ok) << empty.body();
  EXPECT_EQ(json_of(empty.body()), json_of(R"({"total":0,"last_id":0})"));
  append_clicks({"a", "b", "c"});
  append_clicks({"a", "b"});
  auto res = fetch(http::verb::get, "/clicks/summary");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(json_of(res.body()), json_of(R"({"total":5,"last_id":5})"));
  EXPECT_EQ(fetch(http::verb::head, "/clicks/summary").result(), http::status::ok);
  auto post = fetch(http::verb::post, "/clicks/summary");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
}

TEST_F(ClicksStreamTest, SlowListenerLosesEventsAndNeverHoldsUpTheLog) {
  options_.max_sse_buffer_bytes = 4 * 1024;
  start_stream_server();
  stream_test_client stalled(server_->port());  // never reads after the header
  ASSERT_EQ(stalled.open("/clicks/stream"), 200);
  // Far more than the socket buffers, the stream buffer and the
  // subscription's buffer hold together. Each append returns at once.
  std::vector<std::string> codes(1000, "slow");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    append_clicks(codes);
    if (HasFatalFailure()) return;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
  EXPECT_TRUE(eventually([&] { return click_bus_.dropped() > 0; })) << click_bus_.dropped();
  // A listener that reads still gets every click from its start.
  stream_test_client reader(server_->port());
  ASSERT_EQ(reader.open("/clicks/stream"), 200);
  append_clicks({"fresh"});
  expect_click(reader.next(), 200'001, "fresh");
}

TEST_F(ClicksStreamTest, QuietStreamGetsKeepAlivesAndOutlivesTheIdleTimeout) {
  options_.idle_timeout = 200ms;
  options_.sse_keep_alive = 40ms;
  start_stream_server();
  stream_test_client listener(server_->port());
  ASSERT_EQ(listener.open("/clicks/stream"), 200);
  auto start = std::chrono::steady_clock::now();
  int keep_alives = 0;
  while (std::chrono::steady_clock::now() - start < 3 * options_.idle_timeout) {
    auto msg = listener.next(1s, /*keep_comments=*/true);
    ASSERT_TRUE(msg.has_value()) << "stream closed after " << keep_alives << " keep-alives";
    ASSERT_EQ(msg->comment, "keep-alive");
    ++keep_alives;
  }
  EXPECT_GE(keep_alives, 3);
  append_clicks({"late"});
  expect_click(listener.next(), 1, "late");
}

// Without keep-alives the idle timer still runs: a stream whose client
// stopped reading is closed, not left holding its buffer and subscription.
TEST_F(ClicksStreamTest, StalledStreamIsClosedEvenWithoutKeepAlives) {
  options_.idle_timeout = 300ms;
  options_.sse_keep_alive = 0ms;
  options_.max_sse_buffer_bytes = 4 * 1024;
  start_stream_server();
  stream_test_client stalled(server_->port());  // never reads after the header
  ASSERT_EQ(stalled.open("/clicks/stream"), 200);
  ASSERT_EQ(click_bus_.subscribers(), 1u);
  // Clicks keep coming until the socket buffers are full and a write stays
  // unfinished; the session's close then ends the subscription.
  std::vector<std::string> codes(1000, "slow");
  bool closed = eventually(
      [&] {
        append_clicks(codes);
        return HasFatalFailure() || click_bus_.subscribers() == 0;
      },
      10s);
  ASSERT_FALSE(HasFatalFailure());
  EXPECT_TRUE(closed);
}

TEST_F(ClicksStreamTest, MetricsCountOpenStreamsAndDroppedClicks) {
  start_stream_server();
  stream_test_client clicks(server_->port());
  ASSERT_EQ(clicks.open("/clicks/stream"), 200);
  stream_test_client events_a(server_->port());
  ASSERT_EQ(events_a.open("/events"), 200);
  stream_test_client events_b(server_->port());
  ASSERT_EQ(events_b.open("/events"), 200);
  auto res = fetch(http::verb::get, "/metrics");
  ASSERT_EQ(res.result(), http::status::ok);
  const std::string& text = res.body();
  EXPECT_NE(text.find("# TYPE linkly_click_stream_dropped_total counter\n"
                      "linkly_click_stream_dropped_total 0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE linkly_stream_listeners gauge\n"
                      "linkly_stream_listeners{stream=\"clicks\"} 1\n"
                      "linkly_stream_listeners{stream=\"events\"} 2\n"),
            std::string::npos)
      << text;
}

TEST_F(ClicksStreamTest, StopClosesOpenStreamsPromptly) {
  options_.shutdown_grace = 10s;  // streams must not wait for it
  start_stream_server();
  stream_test_client clicks(server_->port());
  ASSERT_EQ(clicks.open("/clicks/stream"), 200);
  stream_test_client events(server_->port());
  ASSERT_EQ(events.open("/events"), 200);
  auto start = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(clicks.closed_by_server(2s));
  EXPECT_TRUE(events.closed_by_server(2s));
  EXPECT_EQ(click_bus_.subscribers(), 0u);
}

TEST_F(ClicksStreamTest, HeadAnswersTheStreamHeadersOnly) {
  start_stream_server();
  auto res = fetch(http::verb::head, "/clicks/stream");
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res[http::field::content_type], "text/event-stream");
  EXPECT_EQ(click_bus_.subscribers(), 0u);
  auto post = fetch(http::verb::post, "/clicks/stream");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
}

TEST_F(ClicksStreamTest, UnwiredSourcesAnswer503) {
  start_server();  // no read_sources
  for (const char* target : {"/clicks/stream", "/clicks/summary", "/events"}) {
    auto res = fetch(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::service_unavailable) << target;
    EXPECT_TRUE(json_of(res.body()).contains("error")) << target << " " << res.body();
  }
}

}  // namespace
}  // namespace linkly::testing
