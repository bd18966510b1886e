#pragma once
// Node heartbeats (cluster mode): each running node publishes a short JSON
// report of its progress (replica seqs, projection checkpoints, clicks not
// yet published) every second on "linkly.nodes.<node>", plain NATS, never
// stored; `linkly cluster status` listens for a moment and shows every node
// it heard, with how far behind the streams each is.

#include "storage/status.hpp"

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace linkly {

class nats_connection;

/// How often a node reports. cluster status listens a little longer.
inline constexpr std::chrono::milliseconds kHeartbeatInterval{1'000};

class heartbeat_publisher {
 public:
  /// Publishes report() every `interval` until destroyed. A failed publish
  /// (NATS unreachable) is skipped: the next one tries again.
  heartbeat_publisher(std::shared_ptr<nats_connection> conn, const std::string& node,
                      std::function<std::string()> report,
                      std::chrono::milliseconds interval = kHeartbeatInterval);
  ~heartbeat_publisher();
  heartbeat_publisher(const heartbeat_publisher&) = delete;
  heartbeat_publisher& operator=(const heartbeat_publisher&) = delete;

 private:
  void run();

  std::shared_ptr<nats_connection> conn_;
  std::string subject_;
  std::function<std::string()> report_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

/// The latest report of each node heard within `listen`, by node name.
status collect_heartbeats(nats_connection& conn, std::chrono::milliseconds listen,
                          std::map<std::string, std::string>* reports);

}  // namespace linkly
