// The request path: raw bytes into a real session of a real server (engine,
// clicks log, dead letters, projections, as `linkly serve` wires them), with
// an API token so authentication is decided, and small limits so they are
// reached. Each input is written on a fresh loopback connection, which is
// then half-closed; the answer is read until the server closes (or a short
// deadline passes: streams stay open).
//
// Beyond "no crash, no sanitizer report": whatever comes back is HTTP/1.1,
// and no input makes the server answer 500 (bad input is a 4xx).

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_store.hpp"
#include "http/server.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/unique_dir.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace {

// The token the seeds' Authorization headers carry.
constexpr const char* kToken = "fuzz-token-0123456789abcdef";
// How long one input may take to be answered in all. Streams (/events,
// /clicks/stream) never close on their own; everything else answers in
// milliseconds.
constexpr std::chrono::milliseconds kAnswerDeadline{300};

struct running_server {
  std::string dir;
  std::shared_ptr<linkly::event_log> links;
  std::unique_ptr<linkly::engine> eng;
  std::unique_ptr<linkly::http_server> server;

  ~running_server() {
    if (server) server->stop();
    server.reset();
    if (eng) eng->stop();
    eng.reset();
    links.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
};

// A raw pointer: at exit it is not destroyed (see start_server) but stays
// reachable, so LeakSanitizer has nothing to report.
running_server* g_server = nullptr;
std::uint16_t g_port = 0;

void fail(const std::string& what) {
  std::fprintf(stderr, "request fuzz set-up failed: %s\n", what.c_str());
  std::exit(1);
}

void start_server() {
  spdlog::set_level(spdlog::level::off);
  auto s = std::make_unique<running_server>();
  s->dir =
      linkly::make_unique_dir((std::filesystem::temp_directory_path() / "linkly-fuzz-").string());
  if (s->dir.empty()) fail("mkdtemp");

  linkly::log_options log_opts;
  log_opts.sync = false;
  std::unique_ptr<linkly::event_log> opened;
  if (!linkly::event_log::open(s->dir + "/links", log_opts, &opened)) fail("links log");
  s->links = std::move(opened);

  linkly::projection_stores projections;
  for (auto [name, store] :
       {std::pair{"cache", &projections.cache}, std::pair{"analytics", &projections.analytics}}) {
    std::unique_ptr<linkly::projection> proj;
    if (std::string_view(name) == "cache") {
      proj = std::make_unique<linkly::cache_projection>();
    } else {
      proj = std::make_unique<linkly::analytics_projection>();
    }
    std::unique_ptr<linkly::projection_store> p;
    if (!linkly::projection_store::open(s->dir + "/" + name, {}, std::move(proj), &p)) fail(name);
    *store = std::move(p);
  }
  std::unique_ptr<linkly::event_log> clicks_log;
  if (!linkly::event_log::open(s->dir + "/clicks", log_opts, &clicks_log)) fail("clicks log");
  linkly::dead_letter_options dlq_opts;
  dlq_opts.sync = false;
  std::unique_ptr<linkly::dead_letter_store> dlq;
  if (!linkly::dead_letter_store::open(s->dir + "/dlq", dlq_opts, &dlq)) fail("dlq");
  projections.clicks_log = std::move(clicks_log);
  projections.dead_letters = std::move(dlq);
  linkly::click_stores clicks;
  clicks.log = projections.clicks_log;
  clicks.dead_letters = projections.dead_letters;

  linkly::engine_options engine_opts;
  engine_opts.link_shards = 2;
  engine_opts.scheduler_threads = 2;
  if (!linkly::engine::start(
          engine_opts, s->links, clicks, projections,
          [](const std::string& why) { fail("engine gave up: " + why); }, &s->eng)) {
    fail("engine");
  }

  linkly::read_sources sources;
  sources.analytics = s->eng->analytics();
  sources.links_log = &s->eng->links_log();
  sources.link_events = &s->eng->link_events();
  sources.clicks_log = s->eng->clicks_log();
  sources.click_events = s->eng->click_events();
  sources.projections = [e = s->eng.get()] { return e->projections(); };

  linkly::server_options opts;
  opts.host = "127.0.0.1";
  opts.port = 0;
  opts.io_threads = 1;
  // Small, so inputs of a few KiB reach every limit.
  opts.max_body_bytes = 2 * 1024;
  opts.max_import_bytes = 16 * 1024;
  opts.max_header_bytes = 2 * 1024;
  opts.max_connections = 64;
  opts.idle_timeout = std::chrono::milliseconds(2'000);
  opts.shutdown_grace = std::chrono::milliseconds(200);
  opts.max_sse_buffer_bytes = 16 * 1024;
  opts.max_click_listeners = 4;
  opts.max_event_streams = 4;
  opts.body_read_timeout = std::chrono::milliseconds(200);
  opts.import_min_bytes_per_second = 1024;
  opts.allowed_hosts = {"lnk.example"};
  opts.auth.token = kToken;
  opts.auth.max_sessions = 16;
  s->server = std::make_unique<linkly::http_server>(opts, s->eng->links(), s->eng->clicks(),
                                                    std::move(sources));
  if (linkly::status st = s->server->start(); !st) fail(st.to_string());
  g_port = s->server->port();
  g_server = s.release();
  // libFuzzer ends with exit(): destroying CAF's actor system from an exit
  // handler reads freed memory inside CAF 0.17 (valgrind: in
  // ~actor_system), so at exit only the data directory goes; the replay
  // main stops everything properly first (linkly_fuzz_shutdown).
  std::atexit([] {
    if (!g_server) return;
    std::error_code ec;
    std::filesystem::remove_all(g_server->dir, ec);
  });
}

// Writes `bytes` on a fresh connection, half-closes it and returns what the
// server sent until it closed or the deadline passed.
std::string exchange(std::string_view bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) fail("socket");
  // Thousands of connections a second leave tens of thousands of closed
  // ones in TIME_WAIT, more than one source address has ports for: each
  // connection comes from the next of 127.0.0.2-127.0.0.251.
  static std::uint32_t next_source = 0;
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + (next_source++ % 250));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) fail("bind");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(g_port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    fail(std::string("connect: ") + std::strerror(errno));
  }
  const auto deadline = std::chrono::steady_clock::now() + kAnswerDeadline;
  auto left_ms = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return static_cast<int>(left.count() > 0 ? left.count() : 0);
  };

  std::string answer;
  char buf[4096];
  bool writing = true;
  while (true) {
    if (writing && bytes.empty()) {
      ::shutdown(fd, SHUT_WR);
      writing = false;
    }
    pollfd p{fd, static_cast<short>(POLLIN | (writing ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, left_ms()) <= 0) break;  // deadline
    if (p.revents & POLLIN || p.revents & (POLLHUP | POLLERR)) {
      ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
      if (n > 0) {
        answer.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) break;  // closed or reset
    }
    if (writing && (p.revents & POLLOUT)) {
      ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
      } else if (errno != EAGAIN && errno != EINTR) {
        writing = false;  // the server stopped reading (closed after an error)
      }
    }
  }
  ::close(fd);
  return answer;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  start_server();
  return 0;
}

// Called by replay_main.cpp before it returns.
extern "C" void linkly_fuzz_shutdown() {
  delete g_server;
  g_server = nullptr;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string answer = exchange({reinterpret_cast<const char*>(data), size});
  if (std::getenv("LINKLY_FUZZ_SHOW")) std::fprintf(stderr, "---\n%s\n", answer.c_str());
  if (answer.empty()) return 0;  // closed without a word: allowed (e.g. a bare EOF)
  // HTTP/1.0 requests are answered as 1.0.
  const bool http = answer.rfind("HTTP/1.1 ", 0) == 0 || answer.rfind("HTTP/1.0 ", 0) == 0;
  const bool internal_error = answer.compare(8, 5, " 500 ") == 0;
  if (!http || internal_error) {
    std::fprintf(stderr, "answer:\n%.*s\n",
                 static_cast<int>(std::min<std::size_t>(answer.size(), 2000)), answer.c_str());
  }
  FUZZ_CHECK(http);
  FUZZ_CHECK(!internal_error);
  return 0;
}
