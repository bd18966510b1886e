#include "storage/node_heartbeat.hpp"

#include "storage/nats_connection.hpp"
#include "storage/thread_priority.hpp"

#include <nats.h>

namespace linkly {

namespace {
constexpr char kSubjectPrefix[] = "linkly.nodes.";
}  // namespace

heartbeat_publisher::heartbeat_publisher(std::shared_ptr<nats_connection> conn,
                                         const std::string& node,
                                         std::function<std::string()> report,
                                         std::chrono::milliseconds interval)
    : conn_(std::move(conn)),
      subject_(kSubjectPrefix + node),
      report_(std::move(report)),
      interval_(interval) {
  thread_ = std::thread([this] { run(); });
}

heartbeat_publisher::~heartbeat_publisher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void heartbeat_publisher::run() {
  become_background_thread("heartbeat");
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    const std::string body = report_();
    // Fire and forget: a report lost while NATS is away is replaced by the
    // next one.
    natsConnection_Publish(conn_->raw(), subject_.c_str(), body.data(),
                           static_cast<int>(body.size()));
    lock.lock();
    wake_.wait_for(lock, interval_, [this] { return stopping_; });
  }
}

status collect_heartbeats(nats_connection& conn, std::chrono::milliseconds listen,
                          std::map<std::string, std::string>* reports) {
  natsSubscription* sub = nullptr;
  const std::string wildcard = std::string(kSubjectPrefix) + "*";
  natsStatus s = natsConnection_SubscribeSync(&sub, conn.raw(), wildcard.c_str());
  if (s == NATS_OK) s = natsConnection_Flush(conn.raw());
  if (s != NATS_OK) {
    if (sub != nullptr) natsSubscription_Destroy(sub);
    return status::io_error(describe_nats_error("listening for node heartbeats", s));
  }
  const auto deadline = std::chrono::steady_clock::now() + listen;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    natsMsg* msg = nullptr;
    s = natsSubscription_NextMsg(&msg, sub, left.count());
    if (s == NATS_TIMEOUT) break;
    if (s != NATS_OK) {
      natsSubscription_Destroy(sub);
      return status::io_error(describe_nats_error("reading node heartbeats", s));
    }
    const std::string subject = natsMsg_GetSubject(msg);
    (*reports)[subject.substr(sizeof(kSubjectPrefix) - 1)] =
        std::string(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
  }
  natsSubscription_Destroy(sub);
  return status::ok();
}

}  // namespace linkly
