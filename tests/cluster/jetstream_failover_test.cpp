// jetstream_log on a 3-server cluster (R3 stream): publish latency, and
// the stream leader SIGKILLed under acknowledged publishes.

#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "tests/support/nats_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

namespace linkly {
namespace {

using e2e::nats_cluster;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

// How long publishes may take to resume after the leader dies: RAFT
// elects a new one within seconds (4-5 s here when idle; a loaded machine
// misses heartbeats and may need a second election).
constexpr auto kFailoverLimit = 30s;

std::size_t index_of(const nats_cluster& nats, const std::string& name) {
  for (std::size_t i = 0; i < nats.size(); ++i) {
    if (nats.name(i) == name) return i;
  }
  return nats.size();
}

TEST(JetStreamFailover, AcknowledgedPublishesSurviveTheLeadersDeathInOrder) {
  if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
  nats_cluster nats(3);
  cluster_options opts;
  opts.nats_urls = nats.urls();
  opts.request_timeout = 2s;
  std::shared_ptr<nats_connection> conn;
  ASSERT_TRUE(nats_connection::open(opts, &conn).is_ok());
  stream_setup done{};
  status st = ensure_stream(*conn, links_stream_spec(opts), &done);
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  std::unique_ptr<jetstream_log> log;
  ASSERT_TRUE(jetstream_log::open(conn, opts.links_stream, &log).is_ok());

  // Publishes code i once, resending with the same id until acknowledged.
  std::vector<std::uint64_t> acked;
  std::size_t resends = 0;
  std::set<std::string> errors;  // what the resent publishes met
  auto publish_code = [&](int i) {
    auto deadline = clock_type::now() + kFailoverLimit;
    for (;;) {
      publish_outcome out;
      status st = log->publish("links.c" + std::to_string(i), "v" + std::to_string(i), 0,
                               "t." + std::to_string(i), &out);
      if (st.is_ok()) {
        ASSERT_FALSE(out.conflict) << "code " << i;
        acked.push_back(out.seq);
        return;
      }
      // Retryable, so the writer resends rather than answering an error.
      EXPECT_EQ(st.error_code(), status::code::io_error) << st.to_string();
      errors.insert(st.to_string());
      ASSERT_LT(clock_type::now(), deadline)
          << "no ack for code " << i << "; errors: " << ::testing::PrintToString(errors);
      ++resends;
      std::this_thread::sleep_for(50ms);  // retry pacing, not synchronisation
    }
  };

  constexpr int kBefore = 500;
  auto start = clock_type::now();
  for (int i = 1; i <= kBefore; ++i) publish_code(i);
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start);
  std::cout << "[ measured ] synchronous R3 publish: " << us.count() / kBefore << " us each\n";

  // On a replicated stream too, a resend with a now stale expectation is
  // the duplicate it is, not a conflict.
  publish_outcome dup;
  ASSERT_TRUE(log->publish("links.c1", "v1", 0, "t.1", &dup).is_ok());
  EXPECT_TRUE(dup.duplicate);
  EXPECT_FALSE(dup.conflict);
  EXPECT_EQ(dup.seq, 1u);
  ASSERT_TRUE(log->publish("links.c1", "again", 0, "t.other", &dup).is_ok());
  EXPECT_TRUE(dup.conflict);

  stream_state state;
  ASSERT_TRUE(read_stream_state(*conn, opts.links_stream, &state).is_ok());
  EXPECT_EQ(state.replicas, 3u);
  EXPECT_EQ(state.followers.size(), 2u);
  std::size_t leader = index_of(nats, state.leader);
  ASSERT_LT(leader, nats.size()) << "leader " << state.leader;

  // A reader (as a node's follower) holding a consumer when the leader dies.
  std::vector<stream_record> got;
  auto read_all = [&] {
    auto deadline = clock_type::now() + kFailoverLimit;
    while (got.size() < acked.size() && clock_type::now() < deadline) {
      std::uint64_t next = got.empty() ? 1 : got.back().seq + 1;
      if (!log->fetch(next, 10'000, 1s, &got).is_ok()) {
        std::this_thread::sleep_for(100ms);  // failover pacing
      }
    }
  };
  read_all();
  ASSERT_EQ(got.size(), acked.size());

  nats.kill(leader);
  auto killed = clock_type::now();
  publish_code(kBefore + 1);
  auto resumed = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - killed);
  std::cout << "[ measured ] publishes resumed " << resumed.count() << " ms after the leader's "
            << "SIGKILL (" << resends << " resends; " << ::testing::PrintToString(errors) << ")\n";
  constexpr int kAfter = 200;
  for (int i = kBefore + 2; i <= kBefore + kAfter; ++i) publish_code(i);

  // The reader goes on: every acknowledged record, once, in
  // acknowledgement order, no gap.
  auto read_from = clock_type::now();
  read_all();
  std::cout << "[ measured ] the reader went on after "
            << std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - read_from)
                   .count()
            << " ms\n";
  ASSERT_EQ(got.size(), acked.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].seq, i + 1);
    ASSERT_EQ(acked[i], i + 1);
  }
  std::uint64_t last = 0;
  ASSERT_TRUE(log->last_seq(&last).is_ok());
  EXPECT_EQ(last, acked.size());

  // The killed server comes back and catches up.
  nats.restart(leader);
  bool caught_up = false;
  for (auto until = clock_type::now() + kFailoverLimit; !caught_up && clock_type::now() < until;
       std::this_thread::sleep_for(200ms)) {
    if (!read_stream_state(*conn, opts.links_stream, &state).is_ok()) continue;
    caught_up = state.followers.size() == 2 &&
                std::all_of(state.followers.begin(), state.followers.end(),
                            [](const stream_replica& r) { return r.current && !r.offline; });
  }
  EXPECT_TRUE(caught_up) << "the restarted server did not catch up";
}

// A reader that starts on a replicated stream that already holds records
// (a node restarted) while others publish, connected to another server
// than its consumer's, gets each record within its fetch wait. Under the
// chaos script such readers waited 5 s (the follow-up pull's expiry) for
// records a pending count announced; this load has not reproduced that
// server behaviour, but any such wait fails it.
TEST(JetStreamFailover, ReadersStartedOnAFullStreamFollowItWithoutStalls) {
  if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
  nats_cluster nats(3);
  cluster_options opts;
  opts.nats_urls = nats.urls();
  std::shared_ptr<nats_connection> conn;
  ASSERT_TRUE(nats_connection::open(opts, &conn).is_ok());
  stream_setup done{};
  ASSERT_TRUE(ensure_stream(*conn, links_stream_spec(opts), &done).is_ok());
  std::unique_ptr<jetstream_log> writer;
  ASSERT_TRUE(jetstream_log::open(conn, opts.links_stream, &writer).is_ok());
  std::atomic<std::uint64_t> published{0};
  auto publish_one = [&] {
    publish_outcome out;
    const std::uint64_t n = published.load() + 1;
    ASSERT_TRUE(writer
                    ->publish("links.p" + std::to_string(n % 97), "d", stream_log::kAnyLast,
                              "p." + std::to_string(n), &out)
                    .is_ok());
    published = out.seq;
  };
  for (int i = 0; i < 300; ++i) publish_one();

  constexpr int kReaders = 6;
  std::atomic<bool> stop{false};
  std::thread pub([&] {
    int n = 0;
    while (!stop) {
      ++n;
      for (int k = 0; k <= n % 3; ++k) publish_one();
      // bursts now and then, as other nodes' writes: a reader's waiting
      // pull expires in between
      std::this_thread::sleep_for(std::chrono::milliseconds(40 + 97 * (n % 4)));
    }
  });
  std::vector<std::thread> readers;
  std::vector<std::int64_t> slowest(kReaders, 0);
  std::vector<std::uint64_t> read(kReaders, 0);
  for (int r = 0; r < kReaders; ++r) {
    readers.emplace_back([&, r] {
      std::shared_ptr<nats_connection> c;
      // One server each: some readers talk to another server than the one
      // holding their consumer (the stream leader's, as seen in chaos runs).
      cluster_options one = opts;
      one.nats_urls = {nats.url(r % nats.size())};
      ASSERT_TRUE(nats_connection::open(one, &c).is_ok());
      std::unique_ptr<jetstream_log> log;
      ASSERT_TRUE(jetstream_log::open(c, opts.links_stream, &log).is_ok());
      std::uint64_t next = published.load() - 10 * r;
      auto until = clock_type::now() + 5s;
      while (clock_type::now() < until) {
        std::vector<stream_record> got;
        auto start = clock_type::now();
        ASSERT_TRUE(log->fetch(next, 512, 250ms, &got).is_ok());
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - start)
                      .count();
        slowest[r] = std::max(slowest[r], ms);
        if (!got.empty()) next = got.back().seq + 1;
        read[r] += got.size();
      }
    });
  }
  for (auto& t : readers) t.join();
  stop = true;
  pub.join();
  for (int r = 0; r < kReaders; ++r) {
    std::cout << "[ measured ] reader " << r << ": " << read[r] << " records, slowest fetch "
              << slowest[r] << " ms\n";
    EXPECT_GT(read[r], 0u) << "reader " << r;
    // Far below the 5 s stalls, above a loaded machine's 250 ms wait.
    EXPECT_LT(slowest[r], 2'000) << "reader " << r;
  }
}

}  // namespace
}  // namespace linkly
