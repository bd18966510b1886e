#pragma once
// Where a linkly node finds its cluster. With no NATS url it is a single
// node on its own LevelDB logs; with one or more, the links log (and the
// clicks queue) live in JetStream streams shared by every node.

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

namespace linkly {

struct cluster_options {
  /// nats://host:port of the NATS servers; empty: single-node mode.
  std::vector<std::string> nats_urls;
  /// This node's name, unique in the cluster: it prefixes the message ids
  /// of what the node publishes, so that a resend is recognised.
  std::string node;
  /// Copies JetStream keeps of each stream (RAFT): 3 survives the loss of
  /// one server; at most the number of NATS servers.
  std::size_t replicas = 3;
  /// Stream names.
  std::string links_stream = "LINKLY_LINKS";
  std::string clicks_stream = "LINKLY_CLICKS";
  /// How long a resent message id is recognised as a duplicate. Longer than
  /// any retry of one publish, including across a node's restart.
  std::chrono::milliseconds duplicate_window{120'000};
  /// Longest wait for one JetStream request (publish ack, fetch, info).
  std::chrono::milliseconds request_timeout{5'000};
  /// Longest wait for one try of a request that is simply tried again when
  /// it goes unanswered: a links publish (resent with its message id), the
  /// follower's stream info and consumer create (milliseconds; at most
  /// request_timeout). A request sent while a stream or the meta group
  /// elects a leader (a nats-server died) is never answered, while the
  /// next one succeeds as soon as the election is over: with the full
  /// request_timeout, writes resumed up to 5 s after the new leader
  /// (bench/results/cluster.md). Far above a normal round trip (< 10 ms).
  std::chrono::milliseconds attempt_timeout{1'000};

  bool enabled() const { return !nats_urls.empty(); }
};

}  // namespace linkly
