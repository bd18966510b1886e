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

  bool enabled() const { return !nats_urls.empty(); }
};

}  // namespace linkly
