// Cluster mode's clicks path without NATS: nodes' clicks logs published into
// one stream (memory_stream_log, JetStream's rules) and copied back into a
// node's replica log. What must hold: every click reaches the stream exactly
// once and in its node's order, across lost acknowledgements, an unreachable
// stream and restarts; every replica numbers the clicks alike.

#include "schemas/click_events.hpp"
#include "storage/click_message.hpp"
#include "storage/click_publisher.hpp"
#include "storage/click_replica.hpp"
#include "storage/event_log.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/make_temp_dir.hpp"
#include "tests/support/memory_stream_log.hpp"
#include "tests/support/node_clicks.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

using linkly::testing::eventually;
using linkly::testing::memory_stream_log;

envelope click(const std::string& node, int i) {
  return linkly::testing::node_click(node, i);
}

class ClickStreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = linkly::testing::make_temp_dir("click-stream");
    ASSERT_FALSE(root_.empty());
    stream_ = std::make_shared<memory_stream_log>();
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::shared_ptr<event_log> open_log(const std::string& name) {
    std::unique_ptr<event_log> log;
    EXPECT_TRUE(event_log::open(root_ + "/" + name, {}, &log));
    return std::shared_ptr<event_log>(std::move(log));
  }

  // Appends n clicks of `node` to its outbox, in batches of `batch`.
  std::vector<envelope> record(event_log& outbox, const std::string& node, int n, int batch = 10) {
    std::vector<envelope> all;
    for (int i = 0; i < n; i += batch) {
      std::vector<envelope> some;
      for (int j = i; j < std::min(n, i + batch); ++j) some.push_back(click(node, j));
      append_result r;
      EXPECT_TRUE(outbox.append(some, &r));
      all.insert(all.end(), some.begin(), some.end());
    }
    return all;
  }

  click_publisher_options publisher_options(const std::string& node) {
    click_publisher_options o;
    o.node = node;
    o.max_batch = 16;
    o.idle_wait = std::chrono::milliseconds(2);
    o.backoff = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(5);
    return o;
  }

  click_replica_options replica_options() {
    click_replica_options o;
    o.position_path = root_ + "/replica.position";
    o.fetch_messages = 3;
    o.fetch_wait = std::chrono::milliseconds(5);
    o.position_interval = std::chrono::milliseconds(0);
    o.backoff = std::chrono::milliseconds(1);
    o.backoff_max = std::chrono::milliseconds(5);
    return o;
  }

  // Every click in the stream, in stream order, with each message's node.
  std::vector<envelope> stream_clicks(std::vector<std::string>* subjects = nullptr) {
    std::vector<stream_record> records;
    EXPECT_TRUE(stream_->fetch(1, 1'000'000, std::chrono::milliseconds(0), &records));
    std::vector<envelope> out;
    for (const auto& rec : records) {
      std::uint64_t first = 0;
      std::vector<envelope> clicks;
      EXPECT_TRUE(decode_click_message(rec.data, &first, &clicks));
      for (auto& c : clicks) {
        if (subjects != nullptr) subjects->push_back(rec.subject);
        out.push_back(std::move(c));
      }
    }
    return out;
  }

  static std::vector<envelope> read_all(const event_log& log) {
    std::vector<envelope> out;
    EXPECT_TRUE(log.read(1, event_log::kNoLimit, event_log::kNoLimit, &out));
    for (auto& e : out) e.seq = 0;
    return out;
  }

  // The clicks of `node`'s subject, in order.
  std::vector<envelope> clicks_of(const std::string& node) {
    std::vector<std::string> subjects;
    std::vector<envelope> all = stream_clicks(&subjects);
    std::vector<envelope> mine;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (subjects[i] == click_subject(node)) mine.push_back(all[i]);
    }
    return mine;
  }

  std::string root_;
  std::shared_ptr<memory_stream_log> stream_;
};

TEST(ClickMessage, RoundTripsAndRefusesDamage) {
  std::vector<envelope> clicks = {click("a", 1), click("a", 2)};
  std::string data = encode_click_message(41, clicks);
  std::uint64_t first = 0;
  std::vector<envelope> back;
  ASSERT_TRUE(decode_click_message(data, &first, &back));
  EXPECT_EQ(first, 41u);
  EXPECT_EQ(back, clicks);
  EXPECT_TRUE(decode_click_message(data.substr(0, data.size() - 1), &first, &back).is_corruption());
  EXPECT_TRUE(decode_click_message(data.substr(0, 5), &first, &back).is_corruption());
  data[20] ^= 1;
  EXPECT_TRUE(decode_click_message(data, &first, &back).is_corruption());
  EXPECT_TRUE(decode_click_message(encode_click_message(1, {}), &first, &back).is_corruption());
}

TEST_F(ClickStreamTest, TwoNodesPublishEveryClickOnceInOrder) {
  auto a = open_log("a");
  auto b = open_log("b");
  auto expect_a = record(*a, "a", 100);
  auto expect_b = record(*b, "b", 57);
  auto pa = click_publisher::start(a, stream_, publisher_options("a"));
  auto pb = click_publisher::start(b, stream_, publisher_options("b"));
  ASSERT_TRUE(eventually([&] { return pa->backlog() == 0 && pb->backlog() == 0; }));
  auto more_a = record(*a, "a", 30);
  pa->notify();
  expect_a.insert(expect_a.end(), more_a.begin(), more_a.end());
  ASSERT_TRUE(eventually([&] { return pa->published() == 130; }));
  EXPECT_EQ(clicks_of("a"), expect_a);
  EXPECT_EQ(clicks_of("b"), expect_b);
  EXPECT_TRUE(pa->reachable());
  EXPECT_EQ(pa->error(), "");
}

TEST_F(ClickStreamTest, LostAcknowledgementsStoreNothingTwice) {
  auto a = open_log("a");
  auto expect = record(*a, "a", 80);
  stream_->lose_acks(3);
  auto p = click_publisher::start(a, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return p->backlog() == 0; }));
  EXPECT_EQ(clicks_of("a"), expect);
  EXPECT_GE(p->failures(), 3u);
}

TEST_F(ClickStreamTest, ClicksWaitWhileTheStreamIsDownAndDrainAfter) {
  auto a = open_log("a");
  stream_->set_down(true);
  auto p = click_publisher::start(a, stream_, publisher_options("a"));
  auto expect = record(*a, "a", 40);
  ASSERT_TRUE(eventually([&] { return p->failures() >= 2; }));
  EXPECT_FALSE(p->reachable());
  EXPECT_EQ(p->backlog(), 40u);
  stream_->set_down(false);
  ASSERT_TRUE(eventually([&] { return p->backlog() == 0; }));
  EXPECT_TRUE(p->reachable());
  EXPECT_EQ(clicks_of("a"), expect);
}

TEST_F(ClickStreamTest, ARestartedPublisherResumesWhereTheStreamSays) {
  auto a = open_log("a");
  auto expect = record(*a, "a", 50);
  auto p = click_publisher::start(a, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return p->backlog() == 0; }));
  p.reset();
  auto more = record(*a, "a", 25);
  expect.insert(expect.end(), more.begin(), more.end());
  p = click_publisher::start(a, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return p->published() == 75; }));
  EXPECT_EQ(clicks_of("a"), expect);
}

TEST_F(ClickStreamTest, APublisherWhoseLogIsBehindTheStreamStops) {
  auto a = open_log("a");
  record(*a, "a", 20);
  auto p = click_publisher::start(a, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return p->backlog() == 0; }));
  p.reset();
  auto fresh = open_log("a-again");  // the node's data lost, its name reused
  record(*fresh, "a", 5);
  p = click_publisher::start(fresh, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return !p->error().empty(); }));
  EXPECT_NE(p->error().find("name reused"), std::string::npos) << p->error();
  EXPECT_EQ(stream_clicks().size(), 20u);
}

TEST_F(ClickStreamTest, TheReplicaHoldsEveryClickInStreamOrderAcrossRestarts) {
  auto a = open_log("a");
  auto b = open_log("b");
  record(*a, "a", 60, 7);
  record(*b, "b", 45, 4);
  auto pa = click_publisher::start(a, stream_, publisher_options("a"));
  auto pb = click_publisher::start(b, stream_, publisher_options("b"));
  auto replica_log = open_log("replica");
  auto r = click_replica::start(stream_, replica_log, replica_options());
  ASSERT_TRUE(eventually([&] { return replica_log->highest_seq() == 105; }));
  r.reset();
  // More clicks while the replica is stopped, and its position file gone:
  // it counts the stream from the start to find where its log stands.
  record(*a, "a", 33, 5);
  pa->notify();
  ASSERT_TRUE(eventually([&] { return pa->backlog() == 0; }));
  std::filesystem::remove(replica_options().position_path);
  r = click_replica::start(stream_, replica_log, replica_options());
  ASSERT_TRUE(eventually([&] { return replica_log->highest_seq() == 138; }));
  std::uint64_t last = 0;
  ASSERT_TRUE(stream_->last_seq(&last));
  ASSERT_TRUE(eventually([&] { return r->stream_seq() == last; }));
  EXPECT_EQ(read_all(*replica_log), stream_clicks());
  EXPECT_EQ(r->error(), "");
  // A second replica from nothing numbers every click the same.
  auto other = open_log("other");
  click_replica_options o = replica_options();
  o.position_path = root_ + "/other.position";
  auto r2 = click_replica::start(stream_, other, o);
  ASSERT_TRUE(eventually([&] { return other->highest_seq() == 138; }));
  EXPECT_EQ(read_all(*other), read_all(*replica_log));
}

TEST_F(ClickStreamTest, ANodeLearnsWhereItsOwnRecordStandsInTheReplica) {
  auto a = open_log("a");
  auto b = open_log("b");
  record(*b, "b", 5, 5);  // b's clicks come first in the stream
  auto pb = click_publisher::start(b, stream_, publisher_options("b"));
  ASSERT_TRUE(eventually([&] { return pb->backlog() == 0; }));
  auto replica_log = open_log("replica");
  click_replica_options o = replica_options();
  o.own_subject = click_subject("a");
  auto r = click_replica::start(stream_, replica_log, o);
  std::atomic<std::uint64_t> early{~std::uint64_t{0}};
  r->when_copied(3, [&](std::uint64_t seq) { early = seq; });  // a's third, not written yet
  record(*a, "a", 4, 4);
  auto pa = click_publisher::start(a, stream_, publisher_options("a"));
  ASSERT_TRUE(eventually([&] { return early.load() != ~std::uint64_t{0}; }));
  EXPECT_EQ(early.load(), 5u + 3u);  // after b's 5
  std::uint64_t late = 0;
  r->when_copied(1, [&](std::uint64_t seq) { late = seq; });  // already copied: at once
  EXPECT_EQ(late, 6u);
  envelope at;
  ASSERT_TRUE(replica_log->get(8, &at));
  EXPECT_EQ(at.key, click("a", 2).key);
  EXPECT_EQ(at.payload, click("a", 2).payload);
}

TEST_F(ClickStreamTest, AReplicaHeadInsideAMessageIsCorruption) {
  auto a = open_log("a");
  record(*a, "a", 6, 6);
  click_publisher_options po = publisher_options("a");
  po.max_batch = 6;
  auto p = click_publisher::start(a, stream_, po);
  ASSERT_TRUE(eventually([&] { return p->backlog() == 0; }));
  auto replica_log = open_log("replica");
  append_result r0;
  ASSERT_TRUE(replica_log->append({click("a", 0), click("a", 1)}, &r0));  // 2 of 6
  auto r = click_replica::start(stream_, replica_log, replica_options());
  ASSERT_TRUE(eventually([&] { return !r->error().empty(); }));
  EXPECT_NE(r->error().find("falls inside"), std::string::npos) << r->error();
  EXPECT_EQ(replica_log->highest_seq(), 2u);
}

}  // namespace
}  // namespace linkly
