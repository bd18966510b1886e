// A stop answers every request already sent on a connection, pipelined
// ones included, the last with Connection: close. (Idle connections and
// requests in flight: connection_test.cpp; under load, with SIGTERM:
// tests/e2e/graceful_shutdown_test.cpp.)

#include "tests/http/server_fixture.hpp"

#include <chrono>
#include <string>
#include <thread>

namespace linkly::testing {
namespace {

using namespace std::chrono_literals;

class ShutdownTest : public ServerFixture {};

TEST_F(ShutdownTest, PipelinedRequestsSentDuringTheDrainAreAllAnswered) {
  options_.shutdown_grace = 10s;
  // One io thread: one pass over its sessions marks them all draining.
  options_.io_threads = 1;
  start_server();
  auto busy = connect();
  std::string body = R"({"url":"https://a.example","code":"piped"})";
  std::size_t half = body.size() / 2;
  ASSERT_TRUE(
      busy.write_raw("POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                     "Content-Length: " +
                     std::to_string(body.size()) + "\r\n\r\n" + body.substr(0, half)));
  auto idle = connect();
  ASSERT_EQ(idle.request(http::verb::get, "/healthz").result(), http::status::ok);

  std::thread stopper([this] { server_->stop(); });
  // The idle connection closes once the stop has reached every session.
  EXPECT_TRUE(idle.closed_by_server());
  ASSERT_TRUE(
      busy.write_raw(body.substr(half) + "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  auto created = busy.read_response();
  EXPECT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_TRUE(created.keep_alive()) << "a request after it is already in";
  auto health = busy.read_response();
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_FALSE(health.keep_alive());
  EXPECT_TRUE(busy.closed_by_server());
  stopper.join();
  EXPECT_EQ(engine_->view().size(), 1u);
}

}  // namespace
}  // namespace linkly::testing
