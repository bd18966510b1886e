// Connection behaviour of the server: keep-alive, limits, timeouts,
// overload and shutdown.

#include "tests/http/server_fixture.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <thread>

namespace linkly::testing {
namespace {

using namespace std::chrono_literals;

std::string error_of(const client_response& res) {
  return std::string(boost::json::parse(res.body()).at("error").as_string());
}

class ConnectionTest : public ServerFixture {};

TEST_F(ConnectionTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start_server();
  auto client = connect();
  auto created = client.request(http::verb::post, "/links", R"({"url":"a.example","code":"k"})");
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_TRUE(created.keep_alive());
  auto redirect = client.request(http::verb::get, "/s/k");
  EXPECT_EQ(redirect.result(), http::status::found);
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(ConnectionTest, ConnectionCloseIsHonoured) {
  start_server();
  auto client = connect();
  client_request req{http::verb::get, "/healthz", 11};
  req.keep_alive(false);
  auto res = client.send(std::move(req));
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ConnectionTest, Http10ClosesUnlessKeepAliveAsked) {
  start_server();
  auto client = connect();
  auto res = client.send(client_request{http::verb::get, "/healthz", 10});
  EXPECT_EQ(res.result(), http::status::ok);
  EXPECT_EQ(res.version(), 10u);
  EXPECT_TRUE(client.closed_by_server());

  auto kept = connect();
  client_request req{http::verb::get, "/healthz", 10};
  req.keep_alive(true);
  EXPECT_TRUE(kept.send(std::move(req)).keep_alive());
  EXPECT_EQ(kept.send(client_request{http::verb::get, "/healthz", 10}).result(), http::status::ok);
}

TEST_F(ConnectionTest, PipelinedRequestsAreAnsweredInOrder) {
  start_server();
  auto client = connect();
  ASSERT_TRUE(
      client.write_raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /s/none "
                       "HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(client.read_response().result(), http::status::ok);
  EXPECT_EQ(client.read_response().result(), http::status::not_found);
}

TEST_F(ConnectionTest, OversizedBodyIs413AndCreatesNothing) {
  start_server();
  std::string body = R"({"url":"https://a.example/)" + std::string(70 * 1024, 'x') + "\"}";
  auto client = connect();
  auto res = client.request(http::verb::post, "/links", body);
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(error_of(res), "request body too large");
  EXPECT_FALSE(res.keep_alive());
  EXPECT_EQ(engine_->view().size(), 0u);
  auto list = fetch(http::verb::get, "/links");
  EXPECT_EQ(boost::json::parse(list.body()).at("links").as_array().size(), 0u);
}

TEST_F(ConnectionTest, ExpectContinueGetsInterimResponse) {
  start_server();
  auto client = connect();
  std::string body = R"({"url":"https://a.example","code":"cont"})";
  ASSERT_TRUE(
      client.write_raw("POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                       "Content-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(client.read_raw_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.write_raw(body));
  EXPECT_EQ(client.read_response().result(), http::status::created);
}

TEST_F(ConnectionTest, OversizedHeaderIs431) {
  options_.max_header_bytes = 1024;
  start_server();
  auto client = connect();
  client_request req{http::verb::get, "/healthz", 11};
  req.set("X-Padding", std::string(2048, 'p'));
  auto res = client.send(std::move(req));
  EXPECT_EQ(res.result(), http::status::request_header_fields_too_large);
  EXPECT_EQ(error_of(res), "request headers too large");
}

TEST_F(ConnectionTest, MalformedRequestIs400AndCloses) {
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw("THIS IS NOT HTTP\r\n\r\n"));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::bad_request);
  EXPECT_EQ(res[http::field::content_type], "application/json");
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ConnectionTest, IdleConnectionIsClosed) {
  options_.idle_timeout = 200ms;
  start_server();
  auto client = connect();
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
  auto begin = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.closed_by_server(3s));
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 150ms);
}

TEST_F(ConnectionTest, ConnectionBeyondLimitTakesTheIdleOnesPlace) {
  options_.max_connections = 1;
  options_.io_threads = 1;  // the idle connection is on the new one's thread
  start_server();
  auto first = connect();
  ASSERT_EQ(first.request(http::verb::get, "/healthz").result(), http::status::ok);
  auto second = connect();
  EXPECT_EQ(second.request(http::verb::get, "/healthz").result(), http::status::ok);
  // The first was between requests: closed to make room, losing nothing.
  EXPECT_TRUE(first.closed_by_server());
}

TEST_F(ConnectionTest, ConnectionBeyondLimitGets503AtOnceWhenNoneIsIdle) {
  options_.max_connections = 1;
  options_.io_threads = 1;
  start_server();
  auto busy = connect();
  const std::string csv = "code,url\nbusy1,https://a.example\n";
  // An import whose body has not come yet: once 100 Continue is read, the
  // server holds the request, so the connection is not idle.
  ASSERT_TRUE(
      busy.write_raw("POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                     "Expect: 100-continue\r\nContent-Length: " +
                     std::to_string(csv.size()) + "\r\n\r\n"));
  ASSERT_NE(busy.read_raw_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  auto second = connect();
  // Answered without a request being read.
  auto res = second.read_response();
  EXPECT_EQ(res.result(), http::status::service_unavailable);
  EXPECT_EQ(error_of(res), "too many connections");
  EXPECT_TRUE(second.closed_by_server());
  // The busy connection is unaffected.
  ASSERT_TRUE(busy.write_raw(csv));
  EXPECT_EQ(busy.read_response().result(), http::status::ok);
}

TEST_F(ConnectionTest, StopClosesIdleKeepAliveConnectionsPromptly) {
  options_.shutdown_grace = 10s;
  start_server();
  auto client = connect();
  ASSERT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
  auto begin = std::chrono::steady_clock::now();
  server_->stop();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 2s);
  EXPECT_TRUE(client.closed_by_server());
  server_->stop();  // idempotent
}

TEST_F(ConnectionTest, StopLetsInFlightRequestFinish) {
  options_.shutdown_grace = 10s;
  options_.io_threads = 1;  // one pass of stop() reaches both connections
  start_server();
  // Between requests: stop() closes it at once, which shows when stop() has
  // told every connection to finish.
  auto idle = connect();
  ASSERT_EQ(idle.request(http::verb::get, "/healthz").result(), http::status::ok);

  auto client = connect();
  std::string body = R"({"url":"https://a.example","code":"late"})";
  std::size_t half = body.size() / 2;
  ASSERT_TRUE(
      client.write_raw("POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                       "Content-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n"));
  // The interim answer shows the server has read the head: the request is
  // in flight.
  ASSERT_NE(client.read_raw_until("\r\n\r\n").find("100 Continue"), std::string::npos);
  ASSERT_TRUE(client.write_raw(body.substr(0, half)));

  auto begin = std::chrono::steady_clock::now();
  std::thread stopper([this] { server_->stop(); });
  const bool draining = idle.closed_by_server();
  bool sent = draining && client.write_raw(body.substr(half));
  auto res = sent ? client.read_response() : client_response{};
  const bool closed = sent && client.closed_by_server();
  stopper.join();  // before any fatal assertion can leave the thread running
  ASSERT_TRUE(draining) << "stop() did not close the idle connection";
  ASSERT_TRUE(sent);
  EXPECT_EQ(res.result(), http::status::created) << res.body();
  EXPECT_FALSE(res.keep_alive());
  EXPECT_TRUE(closed);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_EQ(engine_->view().size(), 1u);
}

TEST_F(ConnectionTest, StopWithoutStartIsHarmless) {
  http_server unstarted(options_, engine_->links());
  unstarted.stop();
  // Nothing was marked stopped: the server still starts and serves.
  ASSERT_TRUE(unstarted.start());
  ASSERT_NE(unstarted.port(), 0);
  test_client client(unstarted.port());
  EXPECT_EQ(client.request(http::verb::get, "/healthz").result(), http::status::ok);
  unstarted.stop();
  EXPECT_TRUE(client.closed_by_server());
}

TEST_F(ConnectionTest, StartFailsWhenPortIsTaken) {
  start_server();
  server_options taken = options_;
  taken.port = server_->port();
  http_server second(taken, engine_->links());
  EXPECT_FALSE(second.start());
}

}  // namespace
}  // namespace linkly::testing
