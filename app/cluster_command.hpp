#pragma once
// `linkly cluster init|status|import`: the JetStream side of cluster mode
// (docs/CLUSTER.md). Each prints JSON on stdout, its errors as
// "linkly: cluster ...: ..." on stderr, and returns the exit code: 0 done,
// 1 failed (unreachable servers, a missing or mismatching stream, a refused
// import), 2 no cluster settings.

#include "app/config.hpp"

namespace linkly {

/// Creates the links and clicks streams, or checks that they exist with
/// linkly's config (replicas, file storage, limits retention with no
/// limit, duplicate window). Idempotent; never changes an existing stream.
int run_cluster_init(const config& cfg);

/// Each server's reachability, then each stream's messages, last seq,
/// replicas and leader. Exit 1 when a server is unreachable or a stream is
/// missing or mismatching (everything it could read is printed anyway).
int run_cluster_status(const config& cfg);

/// Publishes the data dir's links log, in order, into the links stream,
/// keeping every sequence number: refused unless the stream is empty or
/// holds exactly a first part of this log (a run cut short), which it
/// continues. Offline: refuses while a server holds the data dir.
int run_cluster_import(const config& cfg);

/// The same settings check every cluster command starts with: false (and
/// the reason printed for `command`) when cluster.nats_urls is empty.
bool require_cluster_settings(const config& cfg, const char* command);

}  // namespace linkly
