#include "storage/cluster_links.hpp"

#include "storage/jetstream_log.hpp"
#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"

namespace linkly {

status open_cluster_links(const cluster_options& opts, cluster_links* out) {
  *out = {};
  if (opts.node.empty()) {
    return status::invalid_argument(
        "cluster mode needs this node's name: set cluster.node (--cluster-node or "
        "LINKLY_CLUSTER_NODE), unique in the cluster");
  }
  cluster_links links;
  if (status st = nats_connection::open(opts, &links.connection); !st.is_ok()) return st;
  if (status st = check_stream(*links.connection, links_stream_spec(opts)); !st.is_ok()) return st;
  std::unique_ptr<jetstream_log> log;
  if (status st = jetstream_log::open(links.connection, opts.links_stream, &log); !st.is_ok()) {
    return st;
  }
  links.links = std::move(log);
  *out = std::move(links);
  return status::ok();
}

}  // namespace linkly
