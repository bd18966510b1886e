#include "app/cluster_command.hpp"

#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"
#include "storage/node_heartbeat.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <map>

namespace linkly {
namespace {

constexpr int kFailed = 1;
constexpr int kNoSettings = 2;

boost::json::object describe(const stream_state& s) {
  boost::json::object out;
  out["stream"] = s.name;
  boost::json::array subjects;
  for (const auto& subject : s.subjects) subjects.emplace_back(subject);
  out["subjects"] = std::move(subjects);
  out["messages"] = s.messages;
  out["bytes"] = s.bytes;
  out["first_seq"] = s.first_seq;
  out["last_seq"] = s.last_seq;
  out["replicas"] = s.replicas;
  out["leader"] = s.leader;
  boost::json::array followers;
  for (const auto& r : s.followers) {
    followers.push_back(boost::json::object{
        {"server", r.server}, {"current", r.current}, {"offline", r.offline}, {"lag", r.lag}});
  }
  out["followers"] = std::move(followers);
  return out;
}

bool connect(const config& cfg, const char* command, std::shared_ptr<nats_connection>* conn) {
  status st = nats_connection::open(cfg.cluster, conn);
  if (!st.is_ok()) std::cerr << "linkly: " << command << ": " << st.message() << "\n";
  return st.is_ok();
}

}  // namespace

bool require_cluster_settings(const config& cfg, const char* command) {
  if (cfg.cluster.enabled()) return true;
  std::cerr << "linkly: " << command
            << ": no NATS servers: set cluster.nats_urls (--cluster-nats-urls or "
               "LINKLY_CLUSTER_NATS_URLS), e.g. nats://127.0.0.1:4222\n";
  return false;
}

int run_cluster_init(const config& cfg) {
  const char* command = "cluster init";
  if (!require_cluster_settings(cfg, command)) return kNoSettings;
  std::shared_ptr<nats_connection> conn;
  if (!connect(cfg, command, &conn)) return kFailed;
  int code = 0;
  for (const auto& spec : {links_stream_spec(cfg.cluster), clicks_stream_spec(cfg.cluster)}) {
    stream_setup done{};
    status st = ensure_stream(*conn, spec, &done);
    if (!st.is_ok()) {
      std::cerr << "linkly: " << command << ": " << st.message() << "\n";
      code = kFailed;
      continue;
    }
    boost::json::object out;
    out["stream"] = spec.name;
    out["subjects"] = spec.subjects;
    out["replicas"] = spec.replicas;
    out["duplicate_window_ms"] = spec.duplicate_window.count();
    out["result"] = done == stream_setup::created ? "created" : "exists";
    std::cout << boost::json::serialize(out) << "\n";
  }
  return code;
}

namespace {

// The nodes heard from within a heartbeat and a half, each with how far its
// links replica is behind the links stream and each projection behind its
// node's logs (events).
// A count as parsed: Boost.JSON reads one that fits as int64.
bool as_count(const boost::json::value* v, std::uint64_t* out) {
  if (v == nullptr) return false;
  if (v->is_uint64())
    *out = v->as_uint64();
  else if (v->is_int64() && v->as_int64() >= 0)
    *out = static_cast<std::uint64_t>(v->as_int64());
  else
    return false;
  return true;
}

std::uint64_t behind(std::uint64_t ahead, std::uint64_t have) {
  return ahead > have ? ahead - have : 0;
}

boost::json::array running_nodes(nats_connection& conn, std::uint64_t links_last) {
  std::map<std::string, std::string> reports;
  boost::json::array nodes;
  if (status st = collect_heartbeats(conn, kHeartbeatInterval * 3 / 2, &reports); !st) {
    nodes.push_back(boost::json::object{{"error", st.message()}});
    return nodes;
  }
  for (const auto& [name, report] : reports) {
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(report, ec);
    if (ec || !v.is_object()) {
      nodes.push_back(boost::json::object{{"node", name}, {"error", "unreadable report"}});
      continue;
    }
    boost::json::object& node = v.as_object();
    if (std::uint64_t have = 0; as_count(node.if_contains("links_replica_seq"), &have)) {
      node["links_lag"] = behind(links_last, have);
    }
    if (auto* list = node.if_contains("projections"); list && list->is_array()) {
      for (auto& p : list->as_array()) {
        if (!p.is_object()) continue;
        auto& o = p.as_object();
        std::uint64_t checkpoint = 0;
        std::uint64_t head = 0;
        if (as_count(o.if_contains("checkpoint"), &checkpoint) &&
            as_count(o.if_contains("head"), &head)) {
          o["lag"] = behind(head, checkpoint);
        }
      }
    }
    nodes.push_back(std::move(v));
  }
  return nodes;
}

}  // namespace

int run_cluster_status(const config& cfg) {
  const char* command = "cluster status";
  if (!require_cluster_settings(cfg, command)) return kNoSettings;
  int code = 0;
  boost::json::array servers;
  for (const auto& url : cfg.cluster.nats_urls) {
    cluster_options one = cfg.cluster;
    one.nats_urls = {url};
    std::shared_ptr<nats_connection> conn;
    status st = nats_connection::open(one, &conn);
    if (st.is_ok()) st = conn->ping_jetstream();
    boost::json::object server{{"url", url}, {"reachable", st.is_ok()}};
    if (!st.is_ok()) {
      server["error"] = st.message();
      code = kFailed;
    }
    servers.push_back(std::move(server));
  }
  boost::json::object out;
  out["servers"] = std::move(servers);
  boost::json::array streams;
  std::shared_ptr<nats_connection> conn;
  status st = nats_connection::open(cfg.cluster, &conn);
  std::uint64_t links_last = 0;
  if (st.is_ok()) {
    out["connected_to"] = conn->connected_url();
    for (const auto& spec : {links_stream_spec(cfg.cluster), clicks_stream_spec(cfg.cluster)}) {
      stream_state state;
      status read = read_stream_state(*conn, spec.name, &state);
      if (read.is_ok() && spec.name == cfg.cluster.links_stream) links_last = state.last_seq;
      boost::json::object entry;
      if (read.is_ok()) {
        entry = describe(state);
        read = check_stream(*conn, spec);
      } else {
        entry["stream"] = spec.name;
      }
      if (!read.is_ok()) {
        entry["error"] = read.message();
        code = kFailed;
      }
      streams.push_back(std::move(entry));
    }
  } else {
    out["error"] = st.message();
    code = kFailed;
  }
  out["streams"] = std::move(streams);
  if (conn) out["nodes"] = running_nodes(*conn, links_last);
  std::cout << boost::json::serialize(out) << "\n";
  return code;
}

}  // namespace linkly
