// jetstream_log, the stream administration and a code read back
// (read_stream_link) against a real nats-server
// (one, or three for the failover case).

#include "storage/jetstream_log.hpp"
#include "storage/cluster_links.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "storage/stream_link.hpp"
#include "tests/support/nats_cluster.hpp"
#include "tests/support/stream_link_events.hpp"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <future>
#include <thread>

namespace linkly {
namespace {

using e2e::nats_cluster;
using testing::publish_link_event;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

class JetStreamLogTest : public ::testing::Test {
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

  publish_outcome publish(const std::string& subject, const std::string& data,
                          std::uint64_t expected, const std::string& id) {
    publish_outcome out;
    status st = log_->publish(subject, data, expected, id, &out);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }

  std::unique_ptr<nats_cluster> nats_;
  cluster_options opts_;
  std::shared_ptr<nats_connection> conn_;
  std::unique_ptr<jetstream_log> log_;
};

TEST_F(JetStreamLogTest, CreateExpectingNothingIsRefusedTheSecondTime) {
  auto first = publish("links.abc", "v1", 0, "a.1");
  EXPECT_EQ(first.seq, 1u);
  EXPECT_FALSE(first.conflict);
  auto second = publish("links.abc", "v2", 0, "a.2");
  EXPECT_TRUE(second.conflict);
  EXPECT_EQ(second.seq, 0u);
  // Expecting the subject's real last sequence goes through.
  auto update = publish("links.abc", "v2", 1, "a.3");
  EXPECT_FALSE(update.conflict);
  EXPECT_EQ(update.seq, 2u);
  // A stale expectation is refused too; other subjects are independent.
  EXPECT_TRUE(publish("links.abc", "v3", 1, "a.4").conflict);
  EXPECT_EQ(publish("links.other", "x", 0, "a.5").seq, 3u);
  EXPECT_EQ(publish("links.abc", "any", stream_log::kAnyLast, "").seq, 4u);
  std::uint64_t last = 0;
  ASSERT_TRUE(log_->last_seq(&last).is_ok());
  EXPECT_EQ(last, 4u);
}

TEST_F(JetStreamLogTest, ResendWithTheSameMsgIdIsADuplicateWithTheFirstSeq) {
  EXPECT_EQ(publish("links.k1", "x", 0, "node.boot.1").seq, 1u);
  EXPECT_EQ(publish("links.k2", "y", 0, "node.boot.2").seq, 2u);
  // The resend after a lost ack carries the same (now stale) expectation:
  // it must come back as the duplicate it is, not as a conflict.
  auto resend = publish("links.k1", "x", 0, "node.boot.1");
  EXPECT_TRUE(resend.duplicate);
  EXPECT_FALSE(resend.conflict);
  EXPECT_EQ(resend.seq, 1u);
  std::uint64_t last = 0;
  ASSERT_TRUE(log_->last_seq(&last).is_ok());
  EXPECT_EQ(last, 2u);
}

TEST_F(JetStreamLogTest, FetchReturnsRecordsInOrderFromAStartSeq) {
  for (int i = 1; i <= 30; ++i) {
    ASSERT_EQ(publish("links.c" + std::to_string(i % 7), "d" + std::to_string(i),
                      stream_log::kAnyLast, "f." + std::to_string(i))
                  .seq,
              static_cast<std::uint64_t>(i));
  }
  std::vector<stream_record> got;
  ASSERT_TRUE(log_->fetch(5, 10, 0ms, &got).is_ok());
  ASSERT_EQ(got.size(), 10u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, 5 + i);
    EXPECT_EQ(got[i].data, "d" + std::to_string(5 + i));
    EXPECT_EQ(got[i].subject, "links.c" + std::to_string((5 + i) % 7));
  }
  // Continuing where it ended, then reading from elsewhere, then the end.
  got.clear();
  ASSERT_TRUE(log_->fetch(15, 100, 0ms, &got).is_ok());
  ASSERT_EQ(got.size(), 16u);
  EXPECT_EQ(got.front().seq, 15u);
  EXPECT_EQ(got.back().seq, 30u);
  got.clear();
  ASSERT_TRUE(log_->fetch(0, 2, 0ms, &got).is_ok());
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].seq, 1u);
  EXPECT_EQ(got[1].seq, 2u);
  got.clear();
  ASSERT_TRUE(log_->fetch(31, 100, 0ms, &got).is_ok());
  EXPECT_TRUE(got.empty());
}

TEST_F(JetStreamLogTest, FetchWaitsBoundedAndReturnsARecordAsSoonAsItIsStored) {
  std::vector<stream_record> got;
  auto start = clock_type::now();
  ASSERT_TRUE(log_->fetch(1, 100, 300ms, &got).is_ok());
  auto waited = clock_type::now() - start;
  EXPECT_TRUE(got.empty());
  EXPECT_GE(waited, 250ms);
  EXPECT_LT(waited, 3s);

  // A fetch waiting up to 10 s returns soon after a publish.
  auto fetched = std::async(std::launch::async, [&] {
    std::vector<stream_record> out;
    EXPECT_TRUE(log_->fetch(1, 100, 10s, &out).is_ok());
    return std::make_pair(out, clock_type::now());
  });
  std::this_thread::sleep_for(200ms);  // let the fetch start waiting (either order passes)
  publish("links.late", "z", 0, "late.1");
  auto published = clock_type::now();
  auto [out, at] = fetched.get();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].seq, 1u);
  auto delay = std::chrono::duration_cast<std::chrono::milliseconds>(at - published);
  EXPECT_LT(delay, 1s);
  std::cout << "[ measured ] publish -> waiting fetch returned in " << delay.count() << " ms\n";
}

// A fetch that cannot make a consumer (after a server's death the meta
// leader that makes them is elected anew, often after the stream's own
// leader) reads the records by seq from the stream leader meanwhile: the
// writes that wait for the follower do not wait for that election. Here a
// stream that allows one consumer, already taken, stands for it.
TEST_F(JetStreamLogTest, FetchWithoutAConsumerReadsBySeq) {
  jsStreamConfig cfg;
  jsStreamConfig_Init(&cfg);
  cfg.Name = "ONE_CONSUMER";
  const char* subjects[] = {"one.>"};
  cfg.Subjects = subjects;
  cfg.SubjectsLen = 1;
  cfg.MaxConsumers = 1;
  jsStreamInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  ASSERT_EQ(js_AddStream(&info, conn_->js(), &cfg, nullptr, &jerr), NATS_OK) << jerr;
  jsStreamInfo_Destroy(info);
  std::unique_ptr<jetstream_log> taker;
  std::unique_ptr<jetstream_log> log;
  ASSERT_TRUE(jetstream_log::open(conn_, "ONE_CONSUMER", &taker).is_ok());
  ASSERT_TRUE(jetstream_log::open(conn_, "ONE_CONSUMER", &log).is_ok());
  publish_outcome out;
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(log->publish("one.k" + std::to_string(i), "d" + std::to_string(i),
                             stream_log::kAnyLast, "", &out)
                    .is_ok());
  }
  std::vector<stream_record> got;
  ASSERT_TRUE(taker->fetch(1, 1, 300ms, &got).is_ok());  // takes the only consumer
  ASSERT_EQ(got.size(), 1u);

  got.clear();
  ASSERT_TRUE(log->fetch(2, 3, 300ms, &got).is_ok());
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].seq, 2 + i);
    EXPECT_EQ(got[i].subject, "one.k" + std::to_string(2 + i));
    EXPECT_EQ(got[i].data, "d" + std::to_string(2 + i));
  }
  // At the end: waits about `wait`, then nothing; a record stored while it
  // waits comes at once.
  got.clear();
  auto start = clock_type::now();
  ASSERT_TRUE(log->fetch(6, 10, 300ms, &got).is_ok());
  EXPECT_TRUE(got.empty());
  EXPECT_GE(clock_type::now() - start, 250ms);
  auto fetched = std::async(std::launch::async, [&] {
    std::vector<stream_record> late;
    EXPECT_TRUE(log->fetch(6, 10, 5s, &late).is_ok());
    return std::make_pair(late, clock_type::now());
  });
  std::this_thread::sleep_for(200ms);  // let it start polling (either order passes)
  ASSERT_TRUE(log->publish("one.late", "z", stream_log::kAnyLast, "", &out).is_ok());
  auto published = clock_type::now();
  auto [late, at] = fetched.get();
  ASSERT_EQ(late.size(), 1u);
  EXPECT_EQ(late[0].seq, 6u);
  EXPECT_LT(at - published, 1s);
}

TEST_F(JetStreamLogTest, FetchReadsALargeStreamInBatches) {
  constexpr int kRecords = 2'500;
  std::string data(200, 'x');
  auto start = clock_type::now();
  for (int i = 1; i <= kRecords; ++i) {
    ASSERT_EQ(publish("links.b" + std::to_string(i), data, 0, "b." + std::to_string(i)).seq,
              static_cast<std::uint64_t>(i));
  }
  auto publish_us =
      std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start).count();
  std::cout << "[ measured ] synchronous R1 publish: " << publish_us / kRecords << " us each\n";
  std::vector<stream_record> got;
  start = clock_type::now();
  std::uint64_t next = 1;
  while (next <= kRecords) {
    std::size_t before = got.size();
    ASSERT_TRUE(log_->fetch(next, 10'000, 1s, &got).is_ok());
    ASSERT_GT(got.size(), before) << "stalled at " << next;
    next = got.back().seq + 1;
  }
  auto fetch_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start).count();
  std::cout << "[ measured ] fetched " << kRecords << " records in " << fetch_ms << " ms\n";
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kRecords));
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i].seq, i + 1);
}

TEST_F(JetStreamLogTest, StreamInitIsIdempotentAndRefusesAMismatchingStream) {
  stream_setup done{};
  ASSERT_TRUE(ensure_stream(*conn_, links_stream_spec(opts_), &done).is_ok());
  EXPECT_EQ(done, stream_setup::already_matching);
  ASSERT_TRUE(ensure_stream(*conn_, clicks_stream_spec(opts_), &done).is_ok());
  EXPECT_EQ(done, stream_setup::created);
  EXPECT_TRUE(check_stream(*conn_, clicks_stream_spec(opts_)).is_ok());

  auto other = links_stream_spec(opts_);
  other.duplicate_window = 5s;
  status st = ensure_stream(*conn_, other, &done);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument);
  EXPECT_NE(st.message().find("duplicate window"), std::string::npos) << st.to_string();
  other = links_stream_spec(opts_);
  other.subjects = "elsewhere.>";
  st = check_stream(*conn_, other);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument);
  EXPECT_NE(st.message().find("subjects"), std::string::npos) << st.to_string();

  stream_state state;
  ASSERT_TRUE(read_stream_state(*conn_, opts_.links_stream, &state).is_ok());
  EXPECT_EQ(state.replicas, 1u);
  EXPECT_EQ(state.last_seq, 0u);
  ASSERT_EQ(state.subjects.size(), 1u);
  EXPECT_EQ(state.subjects[0], "links.>");
}

TEST_F(JetStreamLogTest, MissingStreamIsNotFound) {
  auto missing = links_stream_spec(opts_);
  missing.name = "NOPE";
  EXPECT_TRUE(check_stream(*conn_, missing).is_not_found());
  std::unique_ptr<jetstream_log> log;
  status st = jetstream_log::open(conn_, "NOPE", &log);
  EXPECT_TRUE(st.is_not_found()) << st.to_string();
  EXPECT_NE(st.message().find("cluster init"), std::string::npos);
  stream_state state;
  EXPECT_TRUE(read_stream_state(*conn_, "NOPE", &state).is_not_found());
}

TEST_F(JetStreamLogTest, TooManyReplicasForTheServersIsAClearError) {
  auto spec = links_stream_spec(opts_);
  spec.name = "WIDE";
  spec.subjects = "wide.>";
  spec.replicas = 3;
  stream_setup done{};
  status st = ensure_stream(*conn_, spec, &done);
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("3 replicas"), std::string::npos) << st.to_string();
}

TEST_F(JetStreamLogTest, OpenClusterLinksChecksEverySettingAtStart) {
  cluster_links links;
  cluster_options opts = opts_;
  ASSERT_TRUE(open_cluster_links(opts, &links).is_ok());
  ASSERT_NE(links.links, nullptr);
  EXPECT_TRUE(links.connection->connected());
  EXPECT_TRUE(links.connection->ping_jetstream().is_ok());

  opts.node = "";
  status st = open_cluster_links(opts, &links);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument);
  EXPECT_NE(st.message().find("cluster.node"), std::string::npos) << st.to_string();
  EXPECT_EQ(links.links, nullptr);

  opts = opts_;
  opts.links_stream = "MISSING";
  st = open_cluster_links(opts, &links);
  EXPECT_TRUE(st.is_not_found()) << st.to_string();
  EXPECT_NE(st.message().find("cluster init"), std::string::npos) << st.to_string();

  opts = opts_;
  opts.replicas = 3;  // the stream has 1
  st = open_cluster_links(opts, &links);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument);
  EXPECT_NE(st.message().find("replicas 1, want 3"), std::string::npos) << st.to_string();

  opts = opts_;
  opts.nats_urls = {"nats://127.0.0.1:1"};
  EXPECT_EQ(open_cluster_links(opts, &links).error_code(), status::code::io_error);
}

TEST(NatsConnection, UnreachableServersFailOpenClearlyAndQuickly) {
  cluster_options opts;
  opts.nats_urls = {"nats://127.0.0.1:1"};
  opts.request_timeout = 1s;
  std::shared_ptr<nats_connection> conn;
  auto start = clock_type::now();
  status st = nats_connection::open(opts, &conn);
  EXPECT_EQ(st.error_code(), status::code::io_error);
  EXPECT_NE(st.message().find("127.0.0.1:1"), std::string::npos) << st.to_string();
  EXPECT_LT(clock_type::now() - start, 5s);
  EXPECT_EQ(conn, nullptr);
  opts.nats_urls = {};
  EXPECT_EQ(nats_connection::open(opts, &conn).error_code(), status::code::invalid_argument);
}

// One code's state read back from the links stream: next_on_subject walks
// a subject's records, read_stream_link folds them.
TEST_F(JetStreamLogTest, NextOnSubjectSkipsOtherSubjects) {
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

TEST_F(JetStreamLogTest, ALinkIsReadBackLiveWithItsVersionAndLife) {
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
