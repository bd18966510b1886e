#include "app/cluster_command.hpp"

#include "storage/jetstream_streams.hpp"
#include "storage/nats_connection.hpp"

#include <boost/json.hpp>

#include <iostream>

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
  if (st.is_ok()) {
    out["connected_to"] = conn->connected_url();
    for (const auto& spec : {links_stream_spec(cfg.cluster), clicks_stream_spec(cfg.cluster)}) {
      stream_state state;
      status read = read_stream_state(*conn, spec.name, &state);
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
  std::cout << boost::json::serialize(out) << "\n";
  return code;
}

}  // namespace linkly
