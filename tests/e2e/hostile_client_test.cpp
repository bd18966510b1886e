// Hostile clients against the real binary: floods of chunk metadata, bodies
// sent before auth, trickling imports, and framing a proxy could read
// differently. Each test bounds its loops in time and, where the attack
// holds memory, reads the server's RSS from /proc.

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

// A plain socket that writes and reads raw bytes, every wait bounded.
class raw_connection {
 public:
  explicit raw_connection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      throw std::runtime_error("connect failed");
    }
  }
  ~raw_connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  raw_connection(const raw_connection&) = delete;
  raw_connection& operator=(const raw_connection&) = delete;

  /// Writes all of `bytes` unless the peer fails or `timeout` passes.
  bool send_all(std::string_view bytes, std::chrono::milliseconds timeout = 5s) {
    auto deadline = steady::now() + timeout;
    while (!bytes.empty()) {
      if (!wait_for(POLLOUT, deadline)) return false;
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  /// Takes whatever has arrived, without waiting. False once the peer has
  /// closed (or reset) the connection.
  bool drain() {
    for (;;) {
      char buf[16 * 1024];
      ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        received_.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return true;
      closed_ = true;
      return false;
    }
  }

  /// Reads until `needle` has arrived, the peer closes, or `timeout`.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout = 5s) {
    auto deadline = steady::now() + timeout;
    while (received_.find(needle) == std::string::npos) {
      if (closed_ || !wait_for(POLLIN, deadline) || !drain()) {
        return received_.find(needle) != std::string::npos;
      }
    }
    return true;
  }

  /// Reads until the peer closes; false if it is still open at `timeout`.
  bool read_to_close(std::chrono::milliseconds timeout = 5s) {
    auto deadline = steady::now() + timeout;
    while (!closed_) {
      if (!wait_for(POLLIN, deadline)) return false;
      drain();
    }
    return true;
  }

  /// The status of the first response received (0: none yet).
  int first_status() const {
    if (received_.rfind("HTTP/1.1 ", 0) != 0 || received_.size() < 12) return 0;
    return std::stoi(received_.substr(9, 3));
  }

  const std::string& received() const { return received_; }

 private:
  bool wait_for(short events, steady::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, events, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r > 0) return true;
      if (r < 0 && errno != EINTR) return false;
    }
  }

  int fd_ = -1;
  std::string received_;
  bool closed_ = false;
};

// The server's resident set, in KiB.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

constexpr long kMaxRssGrowthKib = 10 * 1024;

// Sends `head`, then filler for as long as the server takes it (up to 64
// MiB or 10 s), watching for its answer: the old server took every byte
// into its read buffer and never answered.
void expect_flood_refused(const std::string& head_and_start) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(client.get("/healthz").status, 200);  // warmed up before measuring
  long before = rss_kib(server.pid());
  ASSERT_GT(before, 0);

  raw_connection conn(server.port());
  ASSERT_TRUE(conn.send_all(head_and_start));
  const std::string piece(64 * 1024, 'a');
  std::size_t sent = 0;
  auto deadline = steady::now() + 10s;
  while (sent < (std::size_t{64} << 20) && steady::now() < deadline) {
    if (!conn.drain() || conn.received().find("\r\n\r\n") != std::string::npos) break;
    if (!conn.send_all(piece, 1s)) break;
    sent += piece.size();
  }
  long after = rss_kib(server.pid());
  EXPECT_TRUE(conn.read_until("\r\n\r\n")) << "no answer after " << sent << " bytes";
  int status = conn.first_status();
  EXPECT_GE(status, 400) << conn.received();
  EXPECT_LT(status, 500) << conn.received();
  EXPECT_NE(conn.received().find("\"error\""), std::string::npos) << conn.received();
  EXPECT_TRUE(conn.read_to_close()) << "the server kept the connection open";
  EXPECT_LT(after - before, kMaxRssGrowthKib)
      << "RSS " << before << " KiB -> " << after << " KiB after " << sent << " bytes";
  std::cout << "[ rss      ] " << before << " KiB -> " << after << " KiB (+" << after - before
            << ") after " << sent << " bytes sent\n";
  EXPECT_EQ(client.get("/healthz").status, 200);
}

TEST(HostileClientTest, EndlessChunkExtensionIsRefusedWithBoundedMemory) {
  expect_flood_refused(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n1;x=");
}

TEST(HostileClientTest, EndlessTrailerIsRefusedWithBoundedMemory) {
  expect_flood_refused(
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: ");
}

TEST(HostileClientTest, UnauthenticatedWriteFloodOnPostLinksIsRefused) {
  expect_flood_refused(
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n1;x=");
}

constexpr std::string_view kToken = "hostile-test-token-0123456789abcdef";

// With a token, 401 comes on the head: no `100 Continue`, no wait for a
// body (none is ever sent here).
TEST(HostileClientTest, UnauthenticatedBodyIsRefusedBeforeItIsRead) {
  temp_dir data;
  server_options o;
  o.env = {{"LINKLY_TOKEN", std::string(kToken)}};
  server_process server(data.path(), o);
  struct attempt {
    std::string target, type;
    bool expect;
  };
  for (const attempt& a :
       {attempt{"/links", "application/json", true}, attempt{"/links", "application/json", false},
        attempt{"/links/import", "text/csv", true}, attempt{"/links/import", "text/csv", false}}) {
    raw_connection conn(server.port());
    ASSERT_TRUE(conn.send_all("POST " + a.target +
                              " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + a.type +
                              "\r\nContent-Length: 1000000000\r\n" +
                              (a.expect ? "Expect: 100-continue\r\n" : "") + "\r\n"));
    ASSERT_TRUE(conn.read_until("\r\n\r\n")) << a.target << " no answer: " << conn.received();
    EXPECT_EQ(conn.first_status(), 401) << a.target << " expect=" << a.expect << "\n"
                                        << conn.received();
    EXPECT_EQ(conn.received().find("100 Continue"), std::string::npos) << conn.received();
  }
}

// Four imports trickle 4 KiB every 300 ms (below the configured minimum
// rate): they hold every import slot until they are timed out (408), and a
// normal import then succeeds.
// Beast frames a body by a list of equal lengths ("N, N"); the limit must
// hold for it as for a single length, before any byte is read or reserved.
TEST(HostileClientTest, ContentLengthListOverTheLimitIs413) {
  temp_dir data;
  server_process server(data.path());
  long before = rss_kib(server.pid());
  raw_connection conn(server.port());
  ASSERT_TRUE(
      conn.send_all("POST /login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Content-Length: 1000000000, 1000000000\r\n\r\n"));
  ASSERT_TRUE(conn.read_until("\r\n\r\n")) << conn.received();
  EXPECT_EQ(conn.first_status(), 413) << conn.received();
  EXPECT_LT(rss_kib(server.pid()) - before, 10 * 1024);
}

TEST(HostileClientTest, TricklingImportsAreTimedOutAndANormalImportSucceeds) {
  temp_dir data;
  server_options o;
  o.env = {{"LINKLY_HTTP_BODY_READ_TIMEOUT_MS", "500"},
           {"LINKLY_HTTP_IMPORT_MIN_BYTES_PER_SECOND", "65536"}};
  server_process server(data.path(), o);

  std::mutex mu;
  std::condition_variable cv;
  int holding = 0;  // tricklers whose import holds a slot (got 100 Continue)
  std::vector<int> statuses(4, 0);
  std::vector<std::thread> tricklers;
  for (int i = 0; i < 4; ++i) {
    tricklers.emplace_back([&, i] {
      raw_connection conn(server.port());
      bool ok = conn.send_all(
          "POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
          "Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n");
      ok = ok && conn.read_until("100 Continue\r\n\r\n");
      {
        std::lock_guard lock(mu);
        if (ok) ++holding;
      }
      cv.notify_all();
      if (!ok) return;
      std::string rows = "code,url\n";
      for (int r = 0; rows.size() < 4096; ++r) {
        rows += "t" + std::to_string(i) + "x" + std::to_string(r) + ",https://t.example/\n";
      }
      std::ostringstream chunk;
      chunk << std::hex << rows.size() << "\r\n" << rows << "\r\n";
      auto deadline = steady::now() + 15s;
      std::size_t consumed = 25;  // "HTTP/1.1 100 Continue\r\n\r\n"
      while (steady::now() < deadline) {
        if (!conn.send_all(chunk.str(), 1s)) break;
        if (!conn.drain()) break;
        if (conn.received().find("\r\n\r\n", consumed) != std::string::npos) break;
        std::this_thread::sleep_for(300ms);  // the trickle's pace
      }
      conn.read_until("\r\n\r\n");
      auto at = conn.received().find("HTTP/1.1 ", consumed);
      if (at != std::string::npos) statuses[i] = std::stoi(conn.received().substr(at + 9, 3));
    });
  }
  bool all_holding = false;
  {
    std::unique_lock lock(mu);
    all_holding = cv.wait_for(lock, 10s, [&] { return holding == 4; });
  }
  if (!all_holding) {
    for (auto& t : tricklers) t.join();
    FAIL() << "the four imports did not all start";
  }

  http_client client(server.port());
  auto deadline = steady::now() + 10s;
  http_response res;
  int refused = 0;
  while (steady::now() < deadline) {
    res = client.request("POST", "/links/import", "code,url\nnormal,https://normal.example/\n",
                         {{"Content-Type", "text/csv"}});
    if (res.status != 503) break;
    ++refused;
    std::this_thread::sleep_for(100ms);  // retry pace, as a client would
  }
  for (auto& t : tricklers) t.join();
  EXPECT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(client.get("/s/normal").status, 302);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(statuses[i], 408) << "trickler " << i;
  std::cout << "[ imports  ] " << refused << " tries got 503 before the tricklers timed out\n";
}

// The bytes after a body framed by Content-Length under an unknown coding
// would be a second request to a server that believed the length: linkly
// refuses the first and answers nothing else.
TEST(HostileClientTest, UnknownCodingWithContentLengthIsNotSmuggled) {
  temp_dir data;
  server_process server(data.path());
  raw_connection conn(server.port());
  ASSERT_TRUE(
      conn.send_all("POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    "Transfer-Encoding: xchunked\r\nContent-Length: 5\r\n\r\n"
                    "hello"
                    "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  ASSERT_TRUE(conn.read_to_close()) << conn.received();
  int status = conn.first_status();
  EXPECT_TRUE(status == 400 || status == 501) << conn.received();
  EXPECT_EQ(conn.received().find("HTTP/1.1", 1), std::string::npos) << "a second answer:\n"
                                                                    << conn.received();
}

TEST(HostileClientTest, BadFramingGets400AndClose) {
  temp_dir data;
  server_process server(data.path());
  const std::vector<std::string> heads = {
      // Transfer-Encoding with Content-Length
      "POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
      // obs-fold
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: one\r\n two\r\n\r\n",
      // two Hosts
      "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
      // no Host on HTTP/1.1
      "GET /healthz HTTP/1.1\r\nAccept: */*\r\n\r\n",
  };
  for (const auto& head : heads) {
    raw_connection conn(server.port());
    ASSERT_TRUE(conn.send_all(head));
    EXPECT_TRUE(conn.read_to_close()) << head;
    EXPECT_EQ(conn.first_status(), 400) << head << conn.received();
    EXPECT_NE(conn.received().find("\"error\""), std::string::npos) << conn.received();
  }
}

}  // namespace
}  // namespace linkly::e2e
