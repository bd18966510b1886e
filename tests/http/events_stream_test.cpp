// /events over real sockets: the links log from a sequence number on, then
// its live tail; a reconnect with Last-Event-ID resumes exactly after it, so
// a client that drops mid-stream sees every event once. Also the stream cap,
// the opening `retry:`, and HEAD of a stream (which closes).

#include "tests/http/stream_fixture.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace linkly::testing {
namespace {

using namespace std::chrono_literals;

class EventsStreamTest : public StreamFixture {};

// A /events message for LinkCreated of `code` at `seq`.
void expect_created(const std::optional<sse_message>& msg, std::uint64_t seq,
                    const std::string& code) {
  ASSERT_TRUE(msg.has_value()) << "no message for seq " << seq;
  EXPECT_EQ(msg->id, std::to_string(seq));
  EXPECT_EQ(msg->event, "LinkCreated");
  auto data = json_of(msg->data);
  ASSERT_FALSE(data.empty()) << msg->data;
  EXPECT_EQ(data.at("seq").to_number<std::uint64_t>(), seq);
  EXPECT_EQ(data.at("type").as_string(), "LinkCreated");
  EXPECT_EQ(data.at("key").as_string(), code);
  EXPECT_EQ(data.at("event").at("code").as_string(), code);
  EXPECT_EQ(data.at("event").at("url").as_string(), "https://example.com/" + code);
  EXPECT_TRUE(data.contains("at") && data.contains("schema_version")) << msg->data;
}

std::string code_of(int i) {
  return "link" + std::to_string(i);
}

TEST_F(EventsStreamTest, ReplaysTheLogThenFollowsItLive) {
  start_stream_server();
  for (int i = 1; i <= 3; ++i) create_link(code_of(i));
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events"), 200) << client.header();
  EXPECT_TRUE(client.header_has("Content-Type: text/event-stream"));
  for (int i = 1; i <= 3; ++i) expect_created(client.next(), i, code_of(i));
  create_link(code_of(4));
  expect_created(client.next(), 4, code_of(4));
  // Other event types carry their own name.
  auto updated = fetch(http::verb::put, "/links/link2", R"({"url":"https://example.com/new"})");
  ASSERT_EQ(updated.result(), http::status::ok) << updated.body();
  auto msg = client.next();
  ASSERT_TRUE(msg.has_value());
  EXPECT_EQ(msg->id, "5");
  EXPECT_EQ(msg->event, "LinkUpdated");
}

TEST_F(EventsStreamTest, AfterStartsPastThatSequenceNumber) {
  start_stream_server();
  for (int i = 1; i <= 4; ++i) create_link(code_of(i));
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events?after=2"), 200);
  expect_created(client.next(), 3, code_of(3));
  expect_created(client.next(), 4, code_of(4));
}

TEST_F(EventsStreamTest, ReconnectWithLastEventIdSeesEveryEventOnce) {
  start_stream_server();
  for (int i = 1; i <= 10; ++i) create_link(code_of(i));
  std::vector<std::uint64_t> seen;
  {
    stream_test_client first(server_->port());
    ASSERT_EQ(first.open("/events?after=0"), 200);
    for (int i = 1; i <= 4; ++i) {
      auto msg = first.next();
      ASSERT_TRUE(msg.has_value());
      seen.push_back(std::stoull(msg->id));
    }
    first.close();  // mid-stream: events 5..10 were (or were being) sent
  }
  for (int i = 11; i <= 15; ++i) create_link(code_of(i));
  stream_test_client second(server_->port());
  // The header wins over ?after=.
  ASSERT_EQ(second.open("/events?after=0", {{"Last-Event-ID", std::to_string(seen.back())}}), 200);
  for (int i = 5; i <= 15; ++i) {
    auto msg = second.next();
    ASSERT_TRUE(msg.has_value()) << i;
    expect_created(msg, i, code_of(i));
    seen.push_back(std::stoull(msg->id));
  }
  create_link(code_of(16));
  expect_created(second.next(), 16, code_of(16));
  seen.push_back(16);
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1);
}

TEST_F(EventsStreamTest, LongBacklogThroughASmallBufferArrivesInOrder) {
  // Several read chunks and many buffer refills.
  options_.max_sse_buffer_bytes = 1024;
  start_stream_server();
  constexpr int n = 300;
  auto client = connect();
  for (int i = 1; i <= n; ++i) {
    auto res = client.request(
        http::verb::post, "/links",
        R"({"url":"https://example.com/)" + code_of(i) + R"(","code":")" + code_of(i) + R"("})");
    ASSERT_EQ(res.result(), http::status::created) << res.body();
  }
  stream_test_client stream(server_->port());
  ASSERT_EQ(stream.open("/events"), 200);
  for (int i = 1; i <= n; ++i) {
    expect_created(stream.next(), i, code_of(i));
    if (HasFatalFailure()) return;
  }
}

TEST_F(EventsStreamTest, BadAfterOrLastEventIdIs400) {
  start_stream_server();
  for (const char* target : {"/events?after=abc", "/events?after=-1", "/events?after=1x"}) {
    auto res = fetch(http::verb::get, target);
    EXPECT_EQ(res.result(), http::status::bad_request) << target;
    EXPECT_TRUE(json_of(res.body()).contains("error")) << res.body();
  }
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events", {{"Last-Event-ID", "nope"}}), 400);
  EXPECT_TRUE(json_of(client.body()).contains("error"));
}

TEST_F(EventsStreamTest, UintMaxAfterOrLastEventIdIs400) {
  // after + 1 would wrap to 0 and replay the whole log.
  start_stream_server();
  const std::string max = "18446744073709551615";
  auto res = fetch(http::verb::get, "/events?after=" + max);
  EXPECT_EQ(res.result(), http::status::bad_request) << res.body();
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events", {{"Last-Event-ID", max}}), 400);
  EXPECT_TRUE(json_of(client.body()).contains("error"));
  stream_test_client below(server_->port());
  EXPECT_EQ(below.open("/events?after=18446744073709551614"), 200);
}

TEST_F(EventsStreamTest, EmptyLastEventIdIsIgnored) {
  start_stream_server();
  for (int i = 1; i <= 3; ++i) create_link(code_of(i));
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events?after=2", {{"Last-Event-ID", ""}}), 200) << client.header();
  expect_created(client.next(), 3, code_of(3));
}

TEST_F(EventsStreamTest, StreamStartsWithRetry) {
  start_stream_server();
  create_link(code_of(1));
  stream_test_client client(server_->port());
  ASSERT_EQ(client.open("/events"), 200);
  auto first = client.next(stream_test_client::kDeadline, /*keep_comments=*/true);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->retry, "2000");
  EXPECT_TRUE(first->id.empty() && first->data.empty());
  expect_created(client.next(), 1, code_of(1));
}

TEST_F(EventsStreamTest, StreamBeyondTheLimitGets503UntilOneLeaves) {
  ASSERT_EQ(options_.max_event_streams, 256u);
  options_.max_event_streams = 2;
  start_stream_server();
  stream_test_client first(server_->port());
  ASSERT_EQ(first.open("/events"), 200);
  stream_test_client second(server_->port());
  ASSERT_EQ(second.open("/events"), 200);
  // A HEAD takes no place; /clicks/stream has places of its own.
  EXPECT_EQ(fetch(http::verb::head, "/events").result(), http::status::ok);
  stream_test_client clicks(server_->port());
  EXPECT_EQ(clicks.open("/clicks/stream"), 200);

  stream_test_client extra(server_->port());
  ASSERT_EQ(extra.open("/events"), 503);
  EXPECT_TRUE(extra.header_has("Content-Type: application/json"));
  EXPECT_TRUE(json_of(extra.body()).contains("error"));

  first.close();
  std::unique_ptr<stream_test_client> next;
  ASSERT_TRUE(eventually([&] {
    next = std::make_unique<stream_test_client>(server_->port());
    return next->open("/events") == 200;
  }));
  create_link(code_of(1));
  expect_created(next->next(), 1, code_of(1));
}

// The stream's own headers, and Connection: close: the server closes after
// a HEAD of a stream, so it must not advertise keep-alive.
TEST_F(EventsStreamTest, HeadOfAStreamClosesTheConnection) {
  start_stream_server();
  for (const char* target : {"/events", "/clicks/stream"}) {
    stream_test_client client(server_->port());
    ASSERT_EQ(client.open(target, {}, "HEAD"), 200) << target;
    EXPECT_TRUE(client.header_has("Content-Type: text/event-stream")) << client.header();
    EXPECT_TRUE(client.header_has("Cache-Control: no-store")) << client.header();
    EXPECT_TRUE(client.header_has("X-Accel-Buffering: no")) << client.header();
    EXPECT_TRUE(client.header_has("Connection: close")) << client.header();
    EXPECT_TRUE(client.closed_by_server()) << target;
  }
  auto head = fetch(http::verb::head, "/events");
  EXPECT_FALSE(head.keep_alive());
}

TEST_F(EventsStreamTest, HeadAndOtherMethods) {
  start_stream_server();
  auto head = fetch(http::verb::head, "/events");
  EXPECT_EQ(head.result(), http::status::ok);
  EXPECT_EQ(head[http::field::content_type], "text/event-stream");
  auto post = fetch(http::verb::post, "/events", "{}");
  EXPECT_EQ(post.result(), http::status::method_not_allowed);
  EXPECT_EQ(post[http::field::allow], "GET, HEAD");
}

}  // namespace
}  // namespace linkly::testing
