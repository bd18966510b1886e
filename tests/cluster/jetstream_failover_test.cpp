// jetstream_log on a 3-server cluster (R3 stream): publish latency, and
// the stream leader SIGKILLed under acknowledged publishes.

#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "tests/support/nats_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>
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

}  // namespace
}  // namespace linkly
