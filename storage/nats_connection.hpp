#pragma once
// nats_connection: one connection to a NATS cluster with its JetStream
// context, shared by the stream logs and the stream administration of a
// process. It reconnects by itself (to any of the urls) for as long as it
// lives; calls made while it is disconnected fail with io_error when their
// request times out.
//
// Thread-safe: nats.c connections and JetStream contexts may be used from
// any thread. Every call blocks (network round trips): never on a CAF
// scheduler thread.

#include "storage/cluster_options.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <memory>
#include <string>

struct __natsConnection;
struct __jsCtx;

namespace linkly {

class nats_connection {
 public:
  /// Connects to any of opts.nats_urls (within opts.request_timeout each).
  /// io_error naming the urls when none answers; invalid_argument for an
  /// empty or malformed url list.
  static status open(const cluster_options& opts, std::shared_ptr<nats_connection>* out);
  ~nats_connection();
  nats_connection(const nats_connection&) = delete;
  nats_connection& operator=(const nats_connection&) = delete;

  /// Connected now (false while reconnecting).
  bool connected() const;
  /// The url of the server it is connected to ("" while reconnecting).
  std::string connected_url() const;
  /// One JetStream round trip (account info): ok when JetStream answers.
  status ping_jetstream() const;

  std::chrono::milliseconds request_timeout() const { return request_timeout_; }
  /// cluster_options::attempt_timeout, at most request_timeout().
  std::chrono::milliseconds attempt_timeout() const { return attempt_timeout_; }
  __natsConnection* raw() const { return conn_; }
  __jsCtx* js() const { return js_; }

 private:
  nats_connection() = default;

  __natsConnection* conn_ = nullptr;
  __jsCtx* js_ = nullptr;
  std::chrono::milliseconds request_timeout_{5'000};
  std::chrono::milliseconds attempt_timeout_{1'000};
};

/// "what: <nats.c status text>[: <last error text>] [(JetStream error N)]".
std::string describe_nats_error(const char* what, int nats_status, int js_error_code = 0);

}  // namespace linkly
