// The stream routes' sources driven by hand, without a socket: the router
// hands its sse_source to a stream_opener of the test's own, which starts it
// with a counting waker and pulls with a small room. A source may say idle
// only when nothing is left that a later wake would not bring.

#include "actors/event_bus.hpp"
#include "http/router.hpp"
#include "http/sse_stream.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;
using pull_status = sse_source::pull_status;

// Keeps the source a route opened.
class capturing_opener final : public stream_opener {
 public:
  void open_stream(std::shared_ptr<sse_source> source) override { source_ = std::move(source); }
  std::shared_ptr<sse_source> source_;
};

// The `id:` lines of `text`, in order.
std::vector<std::string> ids_of(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t at = text.find("id: "); at != std::string::npos;
       at = text.find("id: ", at + 1)) {
    if (at != 0 && text[at - 1] != '\n') continue;
    out.push_back(text.substr(at + 4, text.find('\n', at) - at - 4));
  }
  return out;
}

std::vector<std::string> ids_from(int first, int last) {
  std::vector<std::string> out;
  for (int i = first; i <= last; ++i) out.push_back(std::to_string(i));
  return out;
}

class StreamSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = linkly::testing::make_temp_dir("linkly-sources");
    ASSERT_FALSE(dir_.empty());
    log_options opts;
    opts.sync = false;
    ASSERT_TRUE(event_log::open(dir_, opts, &links_));
    links_->set_listener(
        [bus = &link_bus_](const auto& evs, std::uint64_t first) { bus->publish(evs, first); });
    ctx_.sources.links_log = links_.get();
    ctx_.sources.link_events = &link_bus_;
    ctx_.sources.click_events = &click_bus_;
  }

  void TearDown() override {
    links_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Opens `target` and starts its source with a waker counting into wakes_.
  std::shared_ptr<sse_source> open(const std::string& target) {
    http_request req{http::verb::get, target, 11};
    bool answered = false;
    handle_request(req, ctx_, [&](http_response) { answered = true; }, {"", nullptr, &opener_});
    EXPECT_FALSE(answered) << target;
    auto source = std::move(opener_.source_);
    if (source) source->start([this] { ++wakes_; });
    return source;
  }

  void publish_clicks(int first, int last) {
    std::vector<envelope> batch;
    for (int i = first; i <= last; ++i) {
      click_recorded click;
      click.code = "c";
      click.clicked_at_ms = 1'700'000'000'000;
      envelope env = make_click_envelope(click);
      env.seq = static_cast<std::uint64_t>(i);
      batch.push_back(env);
    }
    click_bus_.publish(batch);
  }

  void append_links(int first, int last) {
    std::vector<envelope> batch;
    for (int i = first; i <= last; ++i) {
      std::string code = "l" + std::to_string(i);
      batch.push_back(
          make_envelope(link_created{code, "https://example.com/" + code}, 1'700'000'000'000));
    }
    append_result result;
    ASSERT_TRUE(links_->append(batch, &result));
  }

  // Pulls one message at a time until the source says idle (or end).
  static pull_status drain(sse_source& source, std::string* out) {
    for (int turns = 0; turns < 10'000; ++turns) {
      pull_status st = source.pull(out, 1);
      if (st != pull_status::more) return st;
    }
    return pull_status::more;
  }

  std::string dir_;
  std::unique_ptr<event_log> links_;
  event_bus link_bus_;
  event_bus click_bus_;
  router_context ctx_;
  capturing_opener opener_;
  int wakes_ = 0;
};

// A wake that arrives while earlier clicks are still being formatted is
// spent by the stream on those; the feed must then take the new ones itself.
TEST_F(StreamSourceTest, ClickFeedTakesClicksThatArrivedMidDrain) {
  auto source = open("/clicks/stream");
  ASSERT_TRUE(source);
  publish_clicks(1, 3);
  EXPECT_EQ(wakes_, 1);
  std::string out;
  ASSERT_EQ(source->pull(&out, 1), pull_status::more);  // took 1..3, formatted 1
  publish_clicks(4, 6);
  EXPECT_EQ(wakes_, 2);  // this wake is spent on the pulls below
  EXPECT_EQ(drain(*source, &out), pull_status::idle);
  EXPECT_EQ(ids_of(out), ids_from(1, 6));
  // Idle means re-armed: the next click wakes the stream.
  publish_clicks(7, 7);
  EXPECT_EQ(wakes_, 3);
  EXPECT_EQ(drain(*source, &out), pull_status::idle);
  EXPECT_EQ(ids_of(out), ids_from(1, 7));
}

TEST_F(StreamSourceTest, EventFeedReadsEventsAppendedMidDrain) {
  append_links(1, 3);
  auto source = open("/events");
  ASSERT_TRUE(source);
  std::string out;
  ASSERT_EQ(source->pull(&out, 1), pull_status::more);  // read 1..3, formatted 1
  append_links(4, 6);
  EXPECT_EQ(wakes_, 1);  // spent on the pulls below
  EXPECT_EQ(drain(*source, &out), pull_status::idle);
  EXPECT_EQ(ids_of(out), ids_from(1, 6));
  append_links(7, 7);
  EXPECT_EQ(wakes_, 2);
  EXPECT_EQ(drain(*source, &out), pull_status::idle);
  EXPECT_EQ(ids_of(out), ids_from(1, 7));
  EXPECT_EQ(out.rfind("retry: 2000\n\n", 0), 0u) << out.substr(0, 40);
}

}  // namespace
}  // namespace linkly
