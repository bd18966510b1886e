#include "tests/support/nats_cluster.hpp"

#include "storage/cluster_options.hpp"
#include "storage/nats_connection.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace linkly::e2e {
namespace {

// Between two readiness probes of a starting server.
constexpr std::chrono::milliseconds kReadyPoll{100};
// Per probe: a connect or JetStream request to a loopback server.
constexpr std::chrono::milliseconds kProbeTimeout{1'000};

bool executable(const std::string& path) {
  return ::access(path.c_str(), X_OK) == 0;
}

// `count` distinct free loopback ports: all bound at once (so distinct),
// then released for the servers to take.
std::vector<std::uint16_t> free_ports(std::size_t count) {
  std::vector<int> fds;
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < count; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) break;
    fds.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      break;
    }
    ports.push_back(ntohs(addr.sin_port));
  }
  for (int fd : fds) ::close(fd);
  if (ports.size() != count) throw std::runtime_error("nats_cluster: no free loopback port");
  return ports;
}

}  // namespace

std::string nats_cluster::binary() {
  if (const char* env = std::getenv("LINKLY_NATS_SERVER"); env != nullptr && *env != '\0') {
    return executable(env) ? env : "";
  }
  for (const char* path : {"/usr/sbin/nats-server", "/usr/bin/nats-server"}) {
    if (executable(path)) return path;
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    std::stringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');) {
      if (!dir.empty() && executable(dir + "/nats-server")) return dir + "/nats-server";
    }
  }
  return "";
}

nats_cluster::nats_cluster(std::size_t servers) : root_("linkly-nats-") {
  if (servers == 0) throw std::invalid_argument("nats_cluster: at least one server");
  if (binary().empty()) throw std::runtime_error(kMissing);
  auto ports = free_ports(servers * 2);
  for (std::size_t i = 0; i < servers; ++i) {
    server s;
    s.name = "n" + std::to_string(i + 1);
    s.client_port = ports[i * 2];
    s.route_port = ports[i * 2 + 1];
    s.dir = root_.path() + "/" + s.name;
    if (::mkdir(s.dir.c_str(), 0700) != 0) throw std::runtime_error("nats_cluster: mkdir " + s.dir);
    servers_.push_back(std::move(s));
  }
  for (const auto& s : servers_) write_config(s);
  // All first, then wait: a cluster member waits for the others' routes.
  for (std::size_t i = 0; i < servers; ++i) start(i);
  for (std::size_t i = 0; i < servers; ++i) wait_ready(i);
}

nats_cluster::~nats_cluster() {
  for (auto& s : servers_) s.process.reset();  // SIGKILL and reap
}

void nats_cluster::write_config(const server& s) const {
  std::ofstream f(s.dir + "/nats.conf");
  f << "server_name: " << s.name << "\n"
    << "listen: \"127.0.0.1:" << s.client_port << "\"\n"
    << "log_file: \"" << s.dir << "/nats.log\"\n"
    << "jetstream {\n  store_dir: \"" << s.dir
    << "/js\"\n"
    // Small reservations: tests store little, and several clusters may
    // run at once on one machine.
    << "  max_memory_store: 64MB\n  max_file_store: 1GB\n}\n";
  if (servers_.size() > 1) {
    f << "cluster {\n  name: linkly-test\n  listen: \"127.0.0.1:" << s.route_port
      << "\"\n  routes: [\n";
    for (const auto& other : servers_) {
      if (other.name != s.name) f << "    \"nats-route://127.0.0.1:" << other.route_port << "\"\n";
    }
    f << "  ]\n}\n";
  }
  if (!f) throw std::runtime_error("nats_cluster: cannot write " + s.dir + "/nats.conf");
}

void nats_cluster::start(std::size_t i) {
  spawn_options o;
  o.args = {binary(), "-c", servers_[i].dir + "/nats.conf"};
  servers_[i].process = std::make_unique<child_process>(o);
}

void nats_cluster::wait_ready(std::size_t i) {
  cluster_options opts;
  opts.nats_urls = {url(i)};
  opts.request_timeout = kProbeTimeout;
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  std::string last = "not tried";
  for (;;) {
    if (auto ended = servers_[i].process->wait_for(std::chrono::milliseconds(0))) {
      throw std::runtime_error("nats-server " + name(i) + " ended (" + ended->describe() + "):\n" +
                               log(i));
    }
    std::shared_ptr<nats_connection> conn;
    status st = nats_connection::open(opts, &conn);
    if (st.is_ok()) st = conn->ping_jetstream();
    if (st.is_ok()) return;
    last = st.to_string();
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("nats-server " + name(i) + " not ready within " +
                               std::to_string(kReadyTimeout.count()) + " ms (" + last +
                               "; a port taken meanwhile?):\n" + log(i));
    }
    std::this_thread::sleep_for(kReadyPoll);
  }
}

std::vector<std::string> nats_cluster::urls() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < servers_.size(); ++i) out.push_back(url(i));
  return out;
}

std::string nats_cluster::urls_csv() const {
  std::string out;
  for (const auto& u : urls()) out += (out.empty() ? "" : ",") + u;
  return out;
}

std::string nats_cluster::url(std::size_t i) const {
  return "nats://127.0.0.1:" + std::to_string(servers_.at(i).client_port);
}

std::string nats_cluster::name(std::size_t i) const {
  return servers_.at(i).name;
}

bool nats_cluster::running(std::size_t i) const {
  const auto& p = servers_.at(i).process;
  return p != nullptr && !p->status().has_value();
}

void nats_cluster::kill(std::size_t i) {
  if (running(i)) servers_.at(i).process->kill_and_wait();
}

void nats_cluster::restart(std::size_t i) {
  kill(i);
  start(i);
  wait_ready(i);
}

std::string nats_cluster::log(std::size_t i) const {
  std::ifstream f(servers_.at(i).dir + "/nats.log");
  std::stringstream text;
  text << f.rdbuf();
  return text.str();
}

}  // namespace linkly::e2e
