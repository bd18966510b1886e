#pragma once
// The JetStream streams of a linkly cluster: what they must look like, and
// creating, checking and describing them (`linkly cluster init|status`, and
// a node's start-up check). Blocking; thread-safe.

#include "storage/cluster_options.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

class nats_connection;

/// A stream as linkly needs it: file storage, limits retention with no
/// limit (records are never dropped: the links stream is the log), deletes
/// and purges denied, one subject wildcard, a duplicate window.
struct stream_spec {
  std::string name;
  std::string subjects;  // "links.>"
  std::size_t replicas = 3;
  std::chrono::milliseconds duplicate_window{120'000};
};

/// The links and clicks streams of `opts`.
stream_spec links_stream_spec(const cluster_options& opts);
stream_spec clicks_stream_spec(const cluster_options& opts);

/// What ensure_stream did.
enum class stream_setup { created, already_matching };

/// Creates the stream, or checks that an existing one has the spec's
/// config: invalid_argument naming each difference when it has not (nothing
/// is changed then). io_error when JetStream does not answer.
status ensure_stream(nats_connection& conn, const stream_spec& spec, stream_setup* done);

/// Checks that the stream exists with the spec's config (never creates):
/// not_found when it is missing, invalid_argument naming the differences.
status check_stream(nats_connection& conn, const stream_spec& spec);

struct stream_replica {
  std::string server;
  bool current = false;
  bool offline = false;
  std::uint64_t lag = 0;  // operations behind the leader
};

struct stream_state {
  std::string name;
  std::vector<std::string> subjects;
  std::size_t replicas = 0;  // configured
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string leader;                     // "" for a stream of a single server
  std::vector<stream_replica> followers;  // the other replicas
};

/// not_found when the stream does not exist.
status read_stream_state(nats_connection& conn, const std::string& stream, stream_state* out);

}  // namespace linkly
