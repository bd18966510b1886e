#include "storage/nats_connection.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <vector>

namespace linkly {
namespace {

// Between two reconnect attempts to the same server. Short: a restarted
// server (or a failover to another) should be used again within a second.
constexpr std::int64_t kReconnectWaitMs = 250;
// Bytes a disconnected connection buffers for publishes made meanwhile;
// they are sent on reconnect. Publishes beyond it fail at once instead.
constexpr int kReconnectBufferBytes = 8 * 1024 * 1024;

// nats.c calls these on its own threads; they only log. Closing the
// connection also "disconnects" it: not worth a warning, and it may come
// while the process exits, when logging is no longer safe.
void on_disconnected(natsConnection* nc, void*) {
  if (natsConnection_IsClosed(nc)) return;
  spdlog::warn("NATS: disconnected; reconnecting to any of the cluster's servers");
}

void on_reconnected(natsConnection* nc, void*) {
  if (natsConnection_IsClosed(nc)) return;
  char url[256] = {};
  natsConnection_GetConnectedUrl(nc, url, sizeof(url));
  spdlog::info("NATS: reconnected to {}", url);
}

void on_async_error(natsConnection* nc, natsSubscription*, natsStatus err, void*) {
  if (natsConnection_IsClosed(nc)) return;
  spdlog::warn("NATS: {}", natsStatus_GetText(err));
}

}  // namespace

std::string describe_nats_error(const char* what, int nats_status, int js_error_code) {
  std::string text = what;
  text += ": ";
  text += natsStatus_GetText(static_cast<natsStatus>(nats_status));
  // The thread's last error may be an older call's: only one with this
  // status is this call's.
  natsStatus last = NATS_OK;
  const char* raw = nats_GetLastError(&last);
  std::string detail = raw != nullptr && last == nats_status ? raw : "";
  // It reads "(conn.c:2088): No server available ...": the place is of no
  // use to a user, and the text often repeats the status's.
  if (!detail.empty() && detail.front() == '(') {
    auto end = detail.find("): ");
    if (end != std::string::npos) detail = detail.substr(end + 3);
  }
  if (!detail.empty() && text.find(detail) == std::string::npos) text += ": " + detail;
  if (js_error_code != 0) text += " (JetStream error " + std::to_string(js_error_code) + ")";
  return text;
}

status nats_connection::open(const cluster_options& opts, std::shared_ptr<nats_connection>* out) {
  out->reset();
  if (opts.nats_urls.empty()) return status::invalid_argument("no NATS url (cluster.nats_urls)");
  std::string joined;
  std::vector<const char*> urls;
  for (const auto& url : opts.nats_urls) {
    if (url.empty()) return status::invalid_argument("an empty NATS url in cluster.nats_urls");
    urls.push_back(url.c_str());
    joined += (joined.empty() ? "" : ",") + url;
  }

  natsOptions* nopts = nullptr;
  natsStatus s = natsOptions_Create(&nopts);
  if (s == NATS_OK) s = natsOptions_SetServers(nopts, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetTimeout(nopts, opts.request_timeout.count());
  if (s == NATS_OK)
    s = natsOptions_SetName(nopts, opts.node.empty() ? "linkly" : opts.node.c_str());
  // Keep reconnecting for the connection's whole life: a node outlives any
  // one NATS server.
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(nopts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(nopts, kReconnectWaitMs);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(nopts, kReconnectBufferBytes);
  // A request in flight when the server goes away fails now rather than at
  // its timeout: the caller resends (with the same message id).
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(nopts, true);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(nopts, on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(nopts, on_reconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(nopts, on_async_error, nullptr);
  if (s != NATS_OK) {
    auto err =
        status::invalid_argument(describe_nats_error("NATS options", s) + " (" + joined + ")");
    natsOptions_Destroy(nopts);
    return err;
  }

  std::shared_ptr<nats_connection> c(new nats_connection());
  c->request_timeout_ = opts.request_timeout;
  c->attempt_timeout_ = std::min(opts.attempt_timeout, opts.request_timeout);
  s = natsConnection_Connect(&c->conn_, nopts);
  natsOptions_Destroy(nopts);
  if (s != NATS_OK) {
    return status::io_error(
        describe_nats_error(("cannot connect to NATS at " + joined).c_str(), s));
  }
  jsOptions jo;
  jsOptions_Init(&jo);
  jo.Wait = opts.request_timeout.count();
  s = natsConnection_JetStream(&c->js_, c->conn_, &jo);
  if (s != NATS_OK) return status::io_error(describe_nats_error("JetStream context", s));
  *out = std::move(c);
  return status::ok();
}

nats_connection::~nats_connection() {
  if (js_ != nullptr) jsCtx_Destroy(js_);
  if (conn_ != nullptr) {
    natsConnection_Close(conn_);
    natsConnection_Destroy(conn_);
  }
}

bool nats_connection::connected() const {
  return natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED;
}

std::string nats_connection::connected_url() const {
  char buf[256] = {};
  if (natsConnection_GetConnectedUrl(conn_, buf, sizeof(buf)) != NATS_OK) return "";
  return buf;
}

status nats_connection::ping_jetstream() const {
  jsAccountInfo* info = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = js_GetAccountInfo(&info, js_, nullptr, &jerr);
  if (info != nullptr) jsAccountInfo_Destroy(info);
  if (s != NATS_OK) return status::io_error(describe_nats_error("JetStream unreachable", s, jerr));
  return status::ok();
}

}  // namespace linkly
