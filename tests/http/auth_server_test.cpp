// http_server wires server_options.auth into every session: a token in the
// options protects the API over a real socket, and an unusable one refuses
// start().

#include "tests/http/server_fixture.hpp"

#include <gtest/gtest.h>

namespace linkly::testing {
namespace {

constexpr std::string_view kToken = "server-token-0123456789abcdef";

class AuthServerTest : public ServerFixture {};

TEST_F(AuthServerTest, TokenInTheOptionsProtectsWritesOverTheSocket) {
  options_.auth.token = std::string(kToken);
  start_server();
  auto refused = fetch(http::verb::post, "/links", R"({"url":"https://example.com","code":"a"})");
  EXPECT_EQ(refused.result(), http::status::unauthorized) << refused.body();
  EXPECT_EQ(refused[http::field::www_authenticate], "Bearer");

  auto client = connect();
  client_request req{http::verb::post, "/links", 11};
  req.set(http::field::authorization, "Bearer " + std::string(kToken));
  req.set(http::field::content_type, "application/json");
  req.body() = R"({"url":"https://example.com","code":"a"})";
  auto created = client.send(std::move(req));
  EXPECT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_EQ(fetch(http::verb::get, "/s/a").result(), http::status::found);
  EXPECT_EQ(fetch(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(AuthServerTest, NoTokenLeavesTheApiOpen) {
  start_server();
  auto created = fetch(http::verb::post, "/links", R"({"url":"https://example.com","code":"b"})");
  EXPECT_EQ(created.result(), http::status::created) << created.body();
}

TEST_F(AuthServerTest, UnusableTokenRefusesToStart) {
  for (std::string token : {"", "short", "has a space in it 0123"}) {
    options_.auth.token = token;
    http_server server(options_, engine_->links());
    status st = server.start();
    EXPECT_FALSE(st) << '"' << token << '"';
    EXPECT_NE(st.message().find("auth.token"), std::string::npos) << st.message();
  }
}

}  // namespace
}  // namespace linkly::testing
