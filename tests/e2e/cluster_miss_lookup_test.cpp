// Cluster mode end to end: a redirect whose code the node's replica does not
// hold yet is answered from the links stream (a real nats-server). The
// node's follower is stopped deterministically: a record it cannot decode
// is published to the stream, after which it copies nothing (the replica
// never skips). Codes published after it, as another node would, are then
// only in the stream. Skipped when nats-server is not installed.

#include "schemas/link_events.hpp"
#include "storage/cluster_options.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/nats_connection.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_subjects.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/nats_cluster.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace linkly::e2e {
namespace {

// Longest the test waits for `linkly cluster init` on a fresh server.
constexpr std::chrono::seconds kInitWithin{20};
// Longest the test waits for the node's follower to stop at the bad record.
constexpr std::chrono::seconds kStopWithin{10};

class ClusterMissLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
    nats_ = std::make_unique<nats_cluster>(1);
    cli_result init;
    const auto deadline = std::chrono::steady_clock::now() + kInitWithin;
    do {
      init = run_linkly(
          {"cluster", "init", "--cluster-nats-urls", nats_->urls_csv(), "--cluster-replicas", "1"});
    } while (init.exit_code() != 0 && std::chrono::steady_clock::now() < deadline);
    ASSERT_EQ(init.exit_code(), 0) << init.describe();
    server_options opts;
    opts.extra_args = {
        "--cluster-nats-urls", nats_->urls_csv(), "--cluster-replicas", "1", "--cluster-node", "b"};
    node_ = std::make_unique<server_process>(data_.path(), opts);

    cluster_options copts;
    copts.nats_urls = nats_->urls();
    ASSERT_TRUE(nats_connection::open(copts, &conn_).is_ok());
    ASSERT_TRUE(jetstream_log::open(conn_, copts.links_stream, &stream_).is_ok());
  }

  void TearDown() override {
    if (node_) {
      exit_status st = node_->stop();
      EXPECT_TRUE(st.success()) << node_->output_text();
    }
    node_.reset();
    stream_.reset();
    conn_.reset();
    nats_.reset();
  }

  // Publishes `event` as another node's writer would.
  void publish(const link_event& event) {
    const envelope env = make_envelope(event, 1'000);
    publish_outcome out;
    status st = stream_->publish(links_subject(env.key), encode_record_value(env),
                                 stream_log::kAnyLast, "", &out);
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }

  // Stops the node's follower for good: it cannot take this record.
  void stop_follower() {
    publish_outcome out;
    ASSERT_TRUE(
        stream_->publish("links.junk", "not a record", stream_log::kAnyLast, "", &out).is_ok());
    ASSERT_TRUE(node_->wait_for_output("links stream follower stopped", kStopWithin))
        << node_->output_text();
  }

  std::unique_ptr<nats_cluster> nats_;
  temp_dir data_;
  std::unique_ptr<server_process> node_;
  std::shared_ptr<nats_connection> conn_;
  std::unique_ptr<jetstream_log> stream_;
};

TEST_F(ClusterMissLookupTest, CodesOnlyTheStreamHoldsAreRedirected) {
  stop_follower();
  publish(link_created{"late", "https://late.example/page"});
  publish(link_created{"changed", "https://changed.example/1"});
  publish(link_updated{"changed", "https://changed.example/2", link_attributes{}});
  publish(link_created{"gone", "https://gone.example/"});
  publish(link_deleted{"gone"});

  http_client client(node_->port());
  // The node's own view has none of them.
  EXPECT_EQ(client.get("/links/late").status, 404);

  http_response late = client.get("/s/late?utm=x");
  EXPECT_EQ(late.status, 302) << late.describe();
  EXPECT_EQ(late.header("location"), "https://late.example/page?utm=x");
  http_response changed = client.get("/changed");
  EXPECT_EQ(changed.status, 302) << changed.describe();
  EXPECT_EQ(changed.header("location"), "https://changed.example/2");
  EXPECT_EQ(client.get("/s/gone").status, 404);
  EXPECT_EQ(client.get("/s/never").status, 404);

  const std::string metrics = client.get("/metrics").body;
  EXPECT_NE(metrics.find("linkly_cluster_miss_lookups_total{result=\"found\"} 2"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("linkly_cluster_miss_lookups_total{result=\"absent\"} 2"),
            std::string::npos)
      << metrics;
}

}  // namespace
}  // namespace linkly::e2e
