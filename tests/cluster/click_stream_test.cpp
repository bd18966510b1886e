// The clicks path of cluster mode on a real nats-server: two nodes' clicks
// logs published into the clicks stream and copied into a replica, with the
// server killed and restarted in between. Every click reaches the replica
// once, in its node's order.

#include "schemas/click_events.hpp"
#include "storage/click_message.hpp"
#include "storage/click_publisher.hpp"
#include "storage/click_replica.hpp"
#include "storage/event_log.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/make_temp_dir.hpp"
#include "tests/support/nats_cluster.hpp"
#include "tests/support/node_clicks.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <map>

namespace linkly {
namespace {

using e2e::nats_cluster;
using linkly::testing::eventually;
using namespace std::chrono_literals;

envelope click(const std::string& node, int i) {
  return linkly::testing::node_click(node, i);
}

class ClickStreamNatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
    root_ = linkly::testing::make_temp_dir("click-stream-nats");
    nats_ = std::make_unique<nats_cluster>(1);
    opts_.nats_urls = nats_->urls();
    opts_.node = "test";
    opts_.replicas = 1;
    ASSERT_TRUE(nats_connection::open(opts_, &conn_).is_ok());
    stream_setup done{};
    ASSERT_TRUE(ensure_stream(*conn_, clicks_stream_spec(opts_), &done).is_ok());
  }
  void TearDown() override {
    if (!root_.empty()) std::filesystem::remove_all(root_);
  }

  std::shared_ptr<jetstream_log> open_stream() {
    std::unique_ptr<jetstream_log> log;
    EXPECT_TRUE(jetstream_log::open(conn_, opts_.clicks_stream, &log).is_ok());
    return std::shared_ptr<jetstream_log>(std::move(log));
  }
  std::shared_ptr<event_log> open_log(const std::string& name) {
    std::unique_ptr<event_log> log;
    EXPECT_TRUE(event_log::open(root_ + "/" + name, {}, &log));
    return std::shared_ptr<event_log>(std::move(log));
  }
  static void record(event_log& log, const std::string& node, int from, int to) {
    std::vector<envelope> batch;
    for (int i = from; i < to; ++i) batch.push_back(click(node, i));
    append_result r;
    ASSERT_TRUE(log.append(batch, &r));
  }

  std::string root_;
  std::unique_ptr<nats_cluster> nats_;
  cluster_options opts_;
  std::shared_ptr<nats_connection> conn_;
};

TEST_F(ClickStreamNatsTest, LastOnSubjectIsTheSubjectsNewestMessage) {
  auto stream = open_stream();
  stream_record last;
  EXPECT_TRUE(stream->last_on_subject("clicks.a", &last).is_not_found());
  publish_outcome out;
  ASSERT_TRUE(stream->publish("clicks.a", "one", 0, "a.1", &out).is_ok());
  ASSERT_TRUE(stream->publish("clicks.b", "two", 0, "b.1", &out).is_ok());
  ASSERT_TRUE(stream->publish("clicks.a", "three", 1, "a.2", &out).is_ok());
  ASSERT_TRUE(stream->last_on_subject("clicks.a", &last).is_ok());
  EXPECT_EQ(last.seq, 3u);
  EXPECT_EQ(last.subject, "clicks.a");
  EXPECT_EQ(last.data, "three");
}

TEST_F(ClickStreamNatsTest, EveryClickReachesTheReplicaOnceAcrossAServerRestart) {
  auto a = open_log("a");
  auto b = open_log("b");
  click_publisher_options po;
  po.backoff = 5ms;
  po.backoff_max = 100ms;
  po.idle_wait = 5ms;
  po.node = "a";
  auto pa = click_publisher::start(a, open_stream(), po);
  po.node = "b";
  auto pb = click_publisher::start(b, open_stream(), po);
  auto replica = open_log("replica");
  click_replica_options ro;
  ro.position_path = root_ + "/replica.position";
  ro.fetch_wait = 20ms;
  ro.backoff = 5ms;
  ro.backoff_max = 100ms;
  auto r = click_replica::start(open_stream(), replica, ro);

  record(*a, "a", 0, 300);
  record(*b, "b", 0, 200);
  ASSERT_TRUE(eventually([&] { return replica->highest_seq() == 500; }, 20s, 5ms));
  nats_->kill(0);
  record(*a, "a", 300, 400);  // wait in a's log while the server is down
  ASSERT_TRUE(eventually([&] { return !pa->reachable(); }, 20s, 5ms));
  EXPECT_EQ(pa->backlog(), 100u);
  nats_->restart(0);
  ASSERT_TRUE(eventually([&] { return replica->highest_seq() == 600; }, 30s, 5ms))
      << "replica at " << replica->highest_seq() << ", a published " << pa->published();
  EXPECT_EQ(pa->backlog(), 0u);

  std::vector<envelope> copied;
  ASSERT_TRUE(replica->read(1, event_log::kNoLimit, event_log::kNoLimit, &copied));
  std::map<std::string, std::vector<std::string>> urls;  // per node, in order
  for (const auto& env : copied) {
    click_recorded c;
    ASSERT_TRUE(decode_click(env, &c));
    urls[c.url.substr(20, 1)].push_back(c.url);
  }
  ASSERT_EQ(urls["a"].size(), 400u);
  ASSERT_EQ(urls["b"].size(), 200u);
  for (int i = 0; i < 400; ++i)
    EXPECT_EQ(urls["a"][i], "https://example.com/a/" + std::to_string(i));
}

}  // namespace
}  // namespace linkly
