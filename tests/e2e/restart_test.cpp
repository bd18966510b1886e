// A graceful stop and a start on the same data directory lose nothing and
// invent nothing.

#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>

namespace linkly::e2e {
namespace {

class RestartTest : public ::testing::Test {
 protected:
  // Three links; "two" updated once, "three" deleted.
  void make_history(http_client& client) {
    ASSERT_EQ(create_link(client, "https://example.com/1", "one").status, 201);
    ASSERT_EQ(create_link(client, "https://example.com/2", "two").status, 201);
    ASSERT_EQ(create_link(client, "https://example.com/3", "three").status, 201);
    ASSERT_EQ(client.put("/links/two", link_body("https://example.com/2b")).status, 200);
    ASSERT_EQ(client.del("/links/three").status, 204);
  }

  // GET /links/{code} is 200 with exactly this url and version.
  static void expect_link(http_client& client, const std::string& code, const std::string& url,
                          int version) {
    http_response res = client.get("/links/" + code);
    ASSERT_EQ(res.status, 200) << code << ": " << res.describe();
    boost::json::object body = json_object(res);
    EXPECT_EQ(body["url"], url.c_str()) << res.body;
    EXPECT_EQ(body["version"], version) << res.body;
    http_response redirect = client.get("/s/" + code);
    EXPECT_EQ(redirect.status, 302) << redirect.describe();
    EXPECT_EQ(redirect.header("Location"), url);
  }

  static void expect_gone(http_client& client, const std::string& code) {
    http_response redirect = client.get("/s/" + code);
    EXPECT_EQ(redirect.status, 404) << redirect.describe();
    EXPECT_EQ(error_message(redirect), "link not found") << redirect.body;
  }

  temp_dir data_;
};

TEST_F(RestartTest, StateSurvivesAGracefulRestart) {
  // Each start listens on a new port; with a public_url, short_url (in the
  // listing) names the same address before and after.
  server_options options;
  options.env = {{"LINKLY_PUBLIC_URL", "https://lnk.example"}};
  boost::json::array listing_before;
  std::string history_before;
  {
    server_process server(data_.path(), options);
    http_client client(server.port());
    ASSERT_NO_FATAL_FAILURE(make_history(client));
    std::string why;
    auto links = list_all_links(client, &why);
    ASSERT_TRUE(links.has_value()) << why;
    listing_before = *links;
    history_before = client.get("/links/two/history").body;
    client.close();
    exit_status st = server.stop();
    ASSERT_TRUE(st.success()) << "SIGTERM should exit 0, got " << st.describe() << "\n"
                              << server.output_text();
  }

  server_process server(data_.path(), options);
  http_client client(server.port());
  // Listed before expect_link's redirects: their clicks would change the
  // listing's `clicks` as soon as analytics applies them.
  std::string why;
  auto listing_after = list_all_links(client, &why);
  ASSERT_TRUE(listing_after.has_value()) << why;
  EXPECT_EQ(*listing_after, listing_before) << "listing changed across the restart";
  EXPECT_EQ(client.get("/links/two/history").body, history_before);
  expect_link(client, "one", "https://example.com/1", 1);
  expect_link(client, "two", "https://example.com/2b", 2);
  expect_gone(client, "three");

  // The store keeps working: the deleted code's neighbours take writes and a
  // taken code is still taken.
  EXPECT_EQ(create_link(client, "https://example.com/4", "four").status, 201);
  EXPECT_EQ(create_link(client, "https://example.com/other", "one").status, 409);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST_F(RestartTest, RepeatedRestartsKeepVersionsCounting) {
  for (int round = 1; round <= 3; ++round) {
    server_process server(data_.path());
    http_client client(server.port());
    std::string url = "https://example.com/v" + std::to_string(round);
    http_response res = round == 1 ? create_link(client, url, "counter")
                                   : client.put("/links/counter", link_body(url));
    ASSERT_EQ(res.status, round == 1 ? 201 : 200) << res.describe();
    expect_link(client, "counter", url, round);
    client.close();
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
}

// A plain TCP connection that sends part of a request and then stalls.
class stalled_request {
 public:
  stalled_request(std::uint16_t port, const std::string& bytes) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ =
        fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  ~stalled_request() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

TEST_F(RestartTest, SigtermWithOpenConnectionsStopsWithinTheGrace) {
  server_options options;
  options.extra_args = {"--http-shutdown-grace-ms", "500"};
  server_process server(data_.path(), options);
  http_client idle(server.port());
  ASSERT_EQ(create_link(idle, "https://example.com/1", "one").status, 201);  // stays open
  stalled_request half_sent(
      server.port(),
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"url\"");
  ASSERT_TRUE(half_sent.connected());

  auto start = std::chrono::steady_clock::now();
  exit_status st = server.stop();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
  // The stalled request gets the 500 ms grace, not more (allow for a slow
  // machine).
  EXPECT_LT(took, std::chrono::seconds(4)) << server.output_text();
  EXPECT_TRUE(server.wait_for_output("stopping (SIGTERM)", std::chrono::seconds(1)))
      << server.output_text();

  server_process again(data_.path());
  http_client client(again.port());
  expect_link(client, "one", "https://example.com/1", 1);
  client.close();
  EXPECT_TRUE(again.stop().success()) << again.output_text();
}

}  // namespace
}  // namespace linkly::e2e
