#pragma once
// http_client: a small synchronous HTTP/1.1 client for 127.0.0.1:PORT
// (Boost.Beast underneath, hidden here). One keep-alive connection, opened
// on demand and reopened after the server closes it; never retries a
// request. Every exchange (connect, write, read) is bounded by the timeout,
// so a misbehaving server fails a test instead of hanging it.
//
// Transport failures do not throw: the response has status 0 and `error`
// set, which is what a test hammering a server that gets killed needs.

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly::e2e {

struct http_response {
  int status = 0;                              // 0 when no response arrived
  std::string error;                           // transport error, empty when a response arrived
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  bool ok() const { return error.empty() && status != 0; }
  /// The header's value ("" when absent); `name` in any case.
  std::string header(std::string_view name) const;
  bool has_header(std::string_view name) const;
  /// The body parsed as JSON; null when it is not JSON.
  boost::json::value json() const;
  /// Status, headers and body (or the error), for failure messages.
  std::string describe() const;
};

using header_list = std::vector<std::pair<std::string, std::string>>;

class http_client {
 public:
  explicit http_client(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~http_client();
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends one request. A POST, a PUT or a non-empty body without a
  /// Content-Type header in `headers` is sent as application/json. A Host in
  /// `headers` replaces the default "127.0.0.1:PORT".
  http_response request(std::string_view method, std::string_view target, std::string body = {},
                        const header_list& headers = {});
  http_response get(std::string_view target) { return request("GET", target); }
  http_response head(std::string_view target) { return request("HEAD", target); }
  http_response post(std::string_view target, std::string body) {
    return request("POST", target, std::move(body));
  }
  http_response put(std::string_view target, std::string body) {
    return request("PUT", target, std::move(body));
  }
  http_response del(std::string_view target) { return request("DELETE", target); }

  /// Writes `bytes` verbatim on a fresh connection and reads one response
  /// (for requests Beast would refuse to build).
  http_response raw(std::string_view bytes);

  bool connected() const;
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace linkly::e2e
