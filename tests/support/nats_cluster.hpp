#pragma once
// nats_cluster: 1 or 3 real `nats-server -js` processes on free 127.0.0.1
// ports, each with its JetStream store in a temp dir (3: one cluster with
// routes between them), for tests of linkly's cluster mode.
//
//   if (nats_cluster::binary().empty()) GTEST_SKIP() << nats_cluster::kMissing;
//   nats_cluster nats(3);
//   cluster_options opts; opts.nats_urls = nats.urls();
//   nats.kill(0); ... nats.restart(0);
//
// The constructor returns once JetStream answers through every server (or
// throws std::runtime_error with the servers' logs). Each server logs to a
// file in its dir (no pipe to drain). The destructor SIGKILLs them all and
// removes the dirs. Ports are picked by binding port 0 and releasing it, so
// another process could take one in between; a failed start says so.

#include "tests/support/child_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linkly::e2e {

class nats_cluster {
 public:
  /// For GTEST_SKIP when binary() is "".
  static constexpr const char* kMissing =
      "nats-server is not installed (scripts/install-deps.sh installs it)";
  /// $LINKLY_NATS_SERVER, else nats-server in /usr/sbin, /usr/bin or PATH;
  /// "" when there is none.
  static std::string binary();

  /// Longest wait for JetStream to answer after a (re)start: a 3-server
  /// cluster elects its meta leader within a few seconds.
  static constexpr std::chrono::milliseconds kReadyTimeout{30'000};

  explicit nats_cluster(std::size_t servers = 1);
  ~nats_cluster();
  nats_cluster(const nats_cluster&) = delete;
  nats_cluster& operator=(const nats_cluster&) = delete;

  std::size_t size() const { return servers_.size(); }
  /// nats://127.0.0.1:PORT of each server, running or not.
  std::vector<std::string> urls() const;
  /// The same, comma-separated (for --cluster-nats-urls / LINKLY_*).
  std::string urls_csv() const;
  std::string url(std::size_t i) const;
  /// The server's name in the cluster ("n1".."n3"): stream leaders are
  /// reported by it.
  std::string name(std::size_t i) const;
  bool running(std::size_t i) const;

  /// SIGKILL, as a crash would; returns once it is reaped.
  void kill(std::size_t i);
  /// Starts a killed server again with its ports and store, and waits
  /// until JetStream answers through it.
  void restart(std::size_t i);
  /// The server's log so far (for failure messages).
  std::string log(std::size_t i) const;

 private:
  struct server {
    std::string name;
    std::uint16_t client_port = 0;
    std::uint16_t route_port = 0;
    std::string dir;  // holds its config, log and JetStream store
    std::unique_ptr<child_process> process;
  };

  void write_config(const server& s) const;
  void start(std::size_t i);
  void wait_ready(std::size_t i);

  temp_dir root_;
  std::vector<server> servers_;
};

}  // namespace linkly::e2e
