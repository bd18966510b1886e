#pragma once
// What a node in cluster mode opens at start: the connection and the links
// stream, checked, so that bad settings stop the start with one clear
// error (never a half-started node).

#include "storage/cluster_options.hpp"
#include "storage/status.hpp"

#include <memory>

namespace linkly {

class jetstream_log;
class nats_connection;

struct cluster_links {
  std::shared_ptr<nats_connection> connection;  // also for /healthz
  std::shared_ptr<jetstream_log> links;         // the links stream
};

/// invalid_argument without cluster.node or with a links stream of
/// another config; io_error when no server answers; not_found when the
/// links stream does not exist (`linkly cluster init` creates it). Each
/// message names the setting or stream and what to do. Blocking.
status open_cluster_links(const cluster_options& opts, cluster_links* out);

}  // namespace linkly
