// One code's state read back from a real links stream (nats-server):
// next_on_subject walks a subject's records, read_stream_link folds them.

#include "storage/stream_link.hpp"
#include "storage/cluster_links.hpp"
#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "tests/support/nats_cluster.hpp"
#include "tests/support/stream_link_events.hpp"

#include <gtest/gtest.h>

namespace linkly {
namespace {

using e2e::nats_cluster;
using testing::publish_link_event;

class StreamLinkNatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
    nats_ = std::make_unique<nats_cluster>(1);
    opts_.nats_urls = nats_->urls();
    opts_.node = "test";
    opts_.replicas = 1;
    ASSERT_TRUE(nats_connection::open(opts_, &conn_).is_ok());
    stream_setup done{};
    ASSERT_TRUE(ensure_stream(*conn_, links_stream_spec(opts_), &done).is_ok());
    ASSERT_TRUE(jetstream_log::open(conn_, opts_.links_stream, &log_).is_ok());
  }

  std::unique_ptr<nats_cluster> nats_;
  cluster_options opts_;
  std::shared_ptr<nats_connection> conn_;
  std::unique_ptr<jetstream_log> log_;
};

TEST_F(StreamLinkNatsTest, NextOnSubjectSkipsOtherSubjects) {
  publish_link_event(*log_, link_created{"a", "https://a.example/"});
  publish_link_event(*log_, link_created{"b", "https://b.example/"});
  publish_link_event(*log_, link_deleted{"a"});
  stream_record r;
  ASSERT_TRUE(log_->next_on_subject("links.a", 1, &r).is_ok());
  EXPECT_EQ(r.seq, 1u);
  EXPECT_EQ(r.subject, "links.a");
  ASSERT_TRUE(log_->next_on_subject("links.a", 2, &r).is_ok());
  EXPECT_EQ(r.seq, 3u);
  envelope env;
  ASSERT_TRUE(decode_record_value(0, r.data, &env).is_ok());  // the bytes as published
  EXPECT_EQ(env.key, "a");
  EXPECT_TRUE(log_->next_on_subject("links.a", 4, &r).is_not_found());
  EXPECT_TRUE(log_->next_on_subject("links.none", 1, &r).is_not_found());
}

TEST_F(StreamLinkNatsTest, ALinkIsReadBackLiveWithItsVersionAndLife) {
  publish_link_event(*log_, link_created{"x", "https://1.example/"});
  publish_link_event(*log_, link_deleted{"x"});
  const std::uint64_t life = publish_link_event(*log_, link_created{"x", "https://2.example/"});
  publish_link_event(*log_, link_created{"y", "https://y.example/"});
  publish_link_event(*log_, link_updated{"x", "https://3.example/", link_attributes{}});
  link_info link;
  bool live = false;
  status st = read_stream_link(*log_, "x", &link, &live);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  ASSERT_TRUE(live);
  EXPECT_EQ(link.url, "https://3.example/");
  EXPECT_EQ(link.version, 2u);
  EXPECT_EQ(link.incarnation, life);
  ASSERT_TRUE(read_stream_link(*log_, "y", &link, &live).is_ok());
  EXPECT_TRUE(live);
  EXPECT_EQ(link.version, 1u);
  ASSERT_TRUE(read_stream_link(*log_, "z", &link, &live).is_ok());
  EXPECT_FALSE(live);
}

}  // namespace
}  // namespace linkly
