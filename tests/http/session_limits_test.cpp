// What a hostile client can make one session hold or wait for: chunk
// lines, chunk extensions and trailers are held to the header limit, a body
// to its deadline, an import to a minimum rate; framing that two parsers
// could read differently is refused; auth is decided on the head, before
// `100 Continue` and before any body byte.

#include "tests/http/server_fixture.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::testing {
namespace {

using std::chrono::milliseconds;
using steady = std::chrono::steady_clock;

class SessionLimitsTest : public ServerFixture {
 protected:
  // Sends `head`, then `flood_bytes` of filler in pieces (the server may
  // close before all of it is taken), then reads the answer.
  client_response flood(test_client& client, const std::string& head, std::size_t flood_bytes) {
    EXPECT_TRUE(client.write_raw(head));
    const std::string piece(16 * 1024, 'a');
    for (std::size_t sent = 0; sent < flood_bytes; sent += piece.size()) {
      if (!client.write_raw(piece)) break;
    }
    return client.read_response();
  }

  static std::string error_of(const client_response& res) {
    EXPECT_EQ(res[http::field::content_type], "application/json") << res.body();
    return std::string(boost::json::parse(res.body()).at("error").as_string());
  }

  static constexpr std::string_view kCsvHead =
      "POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
};

TEST_F(SessionLimitsTest, EndlessChunkExtensionGets431AndClose) {
  start_server();
  auto client = connect();
  auto res = flood(
      client, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n1;x=",
      256 * 1024);
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large) << res.body();
  EXPECT_FALSE(error_of(res).empty());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionLimitsTest, EndlessTrailerGets431AndClose) {
  start_server();
  auto client = connect();
  auto res = flood(
      client,
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ",
      256 * 1024);
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large) << res.body();
  EXPECT_TRUE(client.closed_by_server());
}

// Each extension is short; together they pass the header limit.
TEST_F(SessionLimitsTest, ManyChunkExtensionsCountTogether) {
  options_.max_header_bytes = 4096;
  start_server();
  auto client = connect();
  std::string body;
  const std::string ext = ";e=" + std::string(100, 'b');
  for (int i = 0; i < 100; ++i) body += "1" + ext + "\r\nx\r\n";
  body += "0\r\n\r\n";
  ASSERT_TRUE(client.write_raw(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n" + body));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large) << res.body();
  EXPECT_TRUE(client.closed_by_server());
}

// Short chunk metadata is fine: the same request with small extensions.
TEST_F(SessionLimitsTest, ModestChunkExtensionsAndTrailersPass) {
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1;a=b\r\nx\r\n0\r\nX-Trailer: 1\r\n\r\n"));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
}

TEST_F(SessionLimitsTest, SlowBodyGets408) {
  options_.body_read_timeout = milliseconds(300);
  start_server();
  auto client = connect();
  auto start = steady::now();
  ASSERT_TRUE(client.write_raw(
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 100\r\n\r\n{\"url\""));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::request_timeout) << res.body();
  EXPECT_FALSE(error_of(res).empty());
  EXPECT_LT(steady::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(client.closed_by_server());
}

// Four imports that stall after their first row hold every slot only until
// their rate falls below the minimum; then a normal import goes through.
TEST_F(SessionLimitsTest, StalledImportsAreTimedOutAndFreeTheirSlots) {
  options_.body_read_timeout = milliseconds(200);
  options_.import_min_bytes_per_second = 64 * 1024;
  start_server();
  std::vector<std::unique_ptr<test_client>> stalled;
  for (int i = 0; i < 4; ++i) {
    stalled.push_back(std::make_unique<test_client>(server_->port()));
    ASSERT_TRUE(stalled.back()->write_raw(std::string(kCsvHead) + "9\r\ncode,url\n\r\n"));
  }
  for (auto& c : stalled) {
    auto res = c->read_response();
    EXPECT_EQ(res.result(), http::status::request_timeout) << res.body();
    EXPECT_TRUE(c->closed_by_server());
  }
  client_request req{http::verb::post, "/links/import", 11};
  req.set(http::field::content_type, "text/csv");
  req.body() = "code,url\nfast,https://fast.example/\n";
  auto res = connect().send(std::move(req));
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
}

// An import that keeps up its rate is never timed out, however long.
TEST_F(SessionLimitsTest, SteadyImportIsNotTimedOut) {
  options_.body_read_timeout = milliseconds(100);
  options_.import_min_bytes_per_second = 1;
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw(std::string(kCsvHead) + "9\r\ncode,url\n\r\n"));
  for (int i = 0; i < 6; ++i) {
    std::string row = "s" + std::to_string(i) + ",https://s.example/\n";
    std::ostringstream hex;
    hex << std::hex << row.size();
    ASSERT_TRUE(client.write_raw(hex.str() + "\r\n" + row + "\r\n"));
    std::this_thread::sleep_for(milliseconds(100));  // the pace under test
  }
  ASSERT_TRUE(client.write_raw("0\r\n\r\n"));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
}

TEST_F(SessionLimitsTest, SmugglingBytesAfterUnknownCodingAreNeverASecondRequest) {
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw(
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n"
      "hello"
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::bad_request) << res.body();
  EXPECT_TRUE(client.closed_by_server());  // and no second answer before that
}

TEST_F(SessionLimitsTest, UnknownCodingGets501) {
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw(
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: gzip, chunked\r\n\r\n"));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::not_implemented) << res.body();
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(SessionLimitsTest, BadHeadsGet400) {
  start_server();
  const std::vector<std::string> heads = {
      // Transfer-Encoding with Content-Length, either order
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Length: "
      "3\r\n\r\n",
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 3\r\nTransfer-Encoding: "
      "chunked\r\n\r\n",
      // obs-fold
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n\ttwo\r\n\r\n",
      // two Hosts, no Host
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: y\r\n\r\n",
      "GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n",
  };
  for (const auto& head : heads) {
    auto client = connect();
    ASSERT_TRUE(client.write_raw(head));
    auto res = client.read_response();
    EXPECT_EQ(res.result(), http::status::bad_request) << head;
    EXPECT_TRUE(client.closed_by_server()) << head;
  }
  // HTTP/1.0 without Host is fine.
  auto client = connect();
  ASSERT_TRUE(client.write_raw("GET /healthz HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(client.read_response().result(), http::status::ok);
}

constexpr std::string_view kToken = "limits-token-0123456789abcdef";

// 401 on the head: no `100 Continue`, and no wait for a body never sent.
TEST_F(SessionLimitsTest, UnauthenticatedBodyIsRefusedOnItsHead) {
  options_.auth.token = std::string(kToken);
  start_server();
  for (std::string target : {"/links", "/links/import"}) {
    for (bool expect : {true, false}) {
      auto client = connect();
      std::string type = target == "/links" ? "application/json" : "text/csv";
      ASSERT_TRUE(client.write_raw("POST " + target +
                                   " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + type +
                                   "\r\nContent-Length: 1000000000\r\n" +
                                   (expect ? "Expect: 100-continue\r\n" : "") + "\r\n"));
      std::string answer = client.read_raw_until("\r\n\r\n");
      EXPECT_EQ(answer.rfind("HTTP/1.1 401 ", 0), 0u) << target << " " << expect << answer;
    }
  }
}

// A refusal of a request with no body leaves nothing unread: the
// connection serves the next request, and a HEAD's refusal has no body.
TEST_F(SessionLimitsTest, BodilessRefusalKeepsTheConnection) {
  options_.auth.token = std::string(kToken);
  start_server();
  auto client = connect();
  client_request head{http::verb::head, "/links", 11};
  auto res = client.send(std::move(head));
  EXPECT_EQ(res.result(), http::status::unauthorized);
  EXPECT_TRUE(res.body().empty());
  client_request get{http::verb::get, "/healthz", 11};
  EXPECT_EQ(client.send(std::move(get)).result(), http::status::ok);
}

}  // namespace
}  // namespace linkly::testing
