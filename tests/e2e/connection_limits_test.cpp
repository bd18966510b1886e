// The server at its descriptor limit and on a network address: idle clients
// cannot lock out /healthz, and an open API is never served to the network
// by accident.

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

namespace linkly::e2e {
namespace {

// A connected TCP socket that sends nothing, as an idle client holds one.
class idle_client {
 public:
  explicit idle_client(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~idle_client() {
    if (fd_ >= 0) ::close(fd_);
  }
  idle_client(const idle_client&) = delete;
  idle_client& operator=(const idle_client&) = delete;
  bool connected() const { return connected_; }

 private:
  int fd_;
  bool connected_ = false;
};

TEST(ConnectionLimitsTest, HealthzAnswersWhileIdleClientsHoldMoreThanTheFdLimit) {
  temp_dir data;
  server_options options;
  options.max_open_files = 256;
  server_process server(data.path(), options);
  EXPECT_TRUE(server.wait_for_output("http.max_connections lowered", std::chrono::seconds(5)))
      << server.output_text();

  std::vector<std::unique_ptr<idle_client>> idle;
  for (int i = 0; i < 400; ++i) {
    idle.push_back(std::make_unique<idle_client>(server.port()));
    ASSERT_TRUE(idle.back()->connected()) << "connection " << i;
  }
  // Each answer comes on a new connection, accepted after all 400.
  for (int i = 0; i < 3; ++i) {
    http_client client(server.port(), std::chrono::seconds(5));
    http_response res = client.get("/healthz");
    EXPECT_EQ(res.status, 200) << res.describe() << "\n" << server.output_text();
  }
  idle.clear();
  exit_status st = server.stop();
  EXPECT_TRUE(st.success()) << st.describe();
}

TEST(ConnectionLimitsTest, NoTokenOnANetworkAddressRefusesToStart) {
  temp_dir data;
  // Refused before anything is bound.
  cli_result run = run_linkly({"serve", "--data", data.path(), "--listen", "0.0.0.0:0"},
                              {{}, std::chrono::seconds(20)});
  EXPECT_EQ(run.exit_code(), 2) << run.describe();
  EXPECT_NE((run.out + run.err).find("http.trusted_network"), std::string::npos) << run.describe();
  EXPECT_EQ((run.out + run.err).find("linkly listening"), std::string::npos) << run.describe();
}

}  // namespace
}  // namespace linkly::e2e
