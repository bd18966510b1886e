// The limits sessions read from server_options (server.hpp) govern a real
// server: a setting other than the default changes what a client sees.

#include "tests/http/server_fixture.hpp"

#include <sstream>
#include <string>

namespace linkly::testing {
namespace {

class SessionOptionsTest : public ServerFixture {};

constexpr std::string_view kImportHead =
    "POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
    "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n";

// With one import slot, a second import is refused while the first holds
// it, and accepted once the first has answered.
TEST_F(SessionOptionsTest, MaxConcurrentImportsCapsImportsInProgress) {
  options_.max_concurrent_imports = 1;
  start_server();
  auto held = connect();
  ASSERT_TRUE(held.write_raw(kImportHead));
  // The 100 Continue comes once the import holds its slot.
  ASSERT_EQ(held.read_raw_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");

  auto second = connect();
  ASSERT_TRUE(second.write_raw(kImportHead));
  auto refused = second.read_response();
  EXPECT_EQ(refused.result(), http::status::service_unavailable) << refused.body();
  EXPECT_NE(refused.body().find("too many imports in progress"), std::string::npos)
      << refused.body();

  std::string csv = "code,url\nheld,https://held.example\n";
  std::ostringstream chunk;
  chunk << std::hex << csv.size() << "\r\n" << csv << "\r\n0\r\n\r\n";
  ASSERT_TRUE(held.write_raw(chunk.str()));
  auto done = held.read_response();
  ASSERT_EQ(done.result(), http::status::ok) << done.body();
  EXPECT_EQ(done.body(), R"({"imported":1,"skipped":0})");

  auto third = connect();
  ASSERT_TRUE(third.write_raw(kImportHead));
  EXPECT_EQ(third.read_raw_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
}

}  // namespace
}  // namespace linkly::testing
