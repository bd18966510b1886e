#include "bench/harness/server_launcher.hpp"

#include "bench/harness/stop_signal.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

extern char** environ;

namespace linkly::bench {

namespace {

using clock = std::chrono::steady_clock;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Between fork and exec only async-signal-safe calls.
[[noreturn]] void exec_child(pid_t parent, int log_fd, int cpu, char** argv, char** envp) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  ::setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // The harness ignores SIGPIPE, and an ignored signal stays ignored across exec.
  ::signal(SIGPIPE, SIG_DFL);
  if (cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ::sched_setaffinity(0, sizeof set, &set);
  }
  int null_fd = ::open("/dev/null", O_RDONLY);
  if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) {
    ::_exit(126);
  }
  ::syscall(SYS_close_range, 3U, ~0U, 0U);
  ::execve(argv[0], argv, envp);
  const char message[] = "linkly-bench: execve failed\n";
  [[maybe_unused]] auto n = ::write(2, message, sizeof message - 1);
  ::_exit(127);
}

std::unique_ptr<server_process> spawn(const std::string& name, std::vector<std::string> args,
                                      const std::string& log_path, int cpu) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // linkly runs on its defaults and the harness's flags only: no LINKLY_*
  // setting (a token, another clicks mode) of the caller's shell leaks in.
  std::vector<char*> envp;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("LINKLY_", 0) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);
  int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) throw std::runtime_error("cannot create " + log_path + ": " + strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) exec_child(parent, log_fd, cpu, argv.data(), envp.data());
  int saved = errno;
  ::close(log_fd);
  if (pid < 0) throw std::runtime_error("fork: " + std::string(strerror(saved)));
  return std::make_unique<server_process>(name, pid, log_path);
}

// The port of the first "linkly listening on http://HOST:PORT" in `log`, or 0.
std::uint16_t listening_port(const std::string& log) {
  constexpr std::string_view marker = "linkly listening on http://";
  auto at = log.find(marker);
  if (at == std::string::npos) return 0;
  auto end = log.find_first_of(" \t\r\n/", at + marker.size());
  std::string hostport = log.substr(at + marker.size(), end - at - marker.size());
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return 0;
  int port = std::atoi(hostport.c_str() + colon + 1);
  return port > 0 && port < 65536 ? static_cast<std::uint16_t>(port) : 0;
}

// Polls `ready` (an external process's state: nothing to wait on) until it
// holds, the process exits, the deadline passes or the user interrupts.
template <class Ready>
bool poll_until(server_process& server, std::chrono::milliseconds timeout, Ready ready) {
  auto deadline = clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    if (ready()) return true;
    if (!server.running() || clock::now() >= deadline) return false;
    throw_if_stopped();
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
}

std::uint16_t free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port: " + std::string(strerror(errno)));
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool can_connect(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

server_process::server_process(std::string name, pid_t pid, std::string log_path)
    : name_(std::move(name)), pid_(pid), log_path_(std::move(log_path)) {}

server_process::~server_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    wait_exit(std::chrono::seconds(10));
  }
}

bool server_process::running() {
  if (reaped_) return false;
  pid_t r = ::waitpid(pid_, &wait_status_, WNOHANG);
  if (r == pid_ || (r < 0 && errno == ECHILD)) reaped_ = true;
  return !reaped_;
}

bool server_process::wait_exit(std::chrono::milliseconds timeout) {
  // waitpid has no timeout: poll it, briefly at first.
  auto deadline = clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (running()) {
    if (clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return true;
}

std::string server_process::stop(std::chrono::milliseconds grace) {
  if (running()) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(grace)) {
      ::kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
  }
  if (WIFEXITED(wait_status_)) return "exit " + std::to_string(WEXITSTATUS(wait_status_));
  if (WIFSIGNALED(wait_status_)) return "signal " + std::to_string(WTERMSIG(wait_status_));
  return "unknown";
}

std::string server_process::log_tail(std::size_t max_bytes) const {
  std::string log = read_file(log_path_);
  return log.size() > max_bytes ? "..." + log.substr(log.size() - max_bytes) : log;
}

std::unique_ptr<server_process> start_linkly(const linkly_launch& launch) {
  std::vector<std::string> args = {
      launch.binary,       "serve", "--data",        launch.data_dir,   "--listen", "127.0.0.1:0",
      "--http-io-threads", "1",     "--clicks-mode", launch.clicks_mode};
  args.insert(args.end(), launch.extra_args.begin(), launch.extra_args.end());
  auto server = spawn("linkly", args, launch.data_dir + ".log", launch.cpu);
  std::uint16_t port = 0;
  bool up = poll_until(*server, launch.start_timeout, [&] {
    port = listening_port(read_file(server->log_path()));
    return port != 0;
  });
  if (!up) {
    std::string how = server->running() ? "no listening line in time" : server->stop({});
    throw std::runtime_error("linkly did not start (" + how + "), " + server->log_path() + ":\n" +
                             server->log_tail());
  }
  server->set_port(port);
  // The child pins itself between fork and exec, unchecked: read it back.
  if (launch.cpu >= 0) server->set_pinned(affinity_is(server->pid(), launch.cpu));
  return server;
}

std::string nginx_config(const std::string& dir, std::uint16_t port) {
  std::string d = dir;
  std::ostringstream c;
  c << "# Generated by linkly-bench: the physical baseline of a redirect.\n"
    << "daemon off;\nmaster_process off;\nworker_processes 1;\n"
    << "pid " << d << "/nginx.pid;\nerror_log " << d << "/error.log warn;\n"
    << "events { worker_connections 4096; }\n"
    << "http {\n  access_log off;\n  server_tokens off;\n"
    << "  client_body_temp_path " << d << "/temp/body;\n"
    << "  proxy_temp_path " << d << "/temp/proxy;\n"
    << "  fastcgi_temp_path " << d << "/temp/fastcgi;\n"
    << "  uwsgi_temp_path " << d << "/temp/uwsgi;\n"
    << "  scgi_temp_path " << d
    << "/temp/scgi;\n"
    // Keep-alive connections as long as a run, like linkly's.
    << "  keepalive_requests 1000000000;\n  keepalive_timeout 300s;\n"
    << "  server {\n    listen 127.0.0.1:" << port << ";\n"
    << "    location ~ ^/s/(.+)$ { return 302 https://example.com/p/$1; }\n"
    << "    location / { return 404; }\n  }\n}\n";
  return c.str();
}

std::unique_ptr<server_process> start_nginx(const nginx_launch& launch) {
  std::filesystem::create_directories(launch.dir + "/temp");
  std::string conf = launch.dir + "/nginx.conf";
  std::string last_log;
  // Between free_loopback_port() and nginx's bind another process may take
  // the port: then nginx exits and we try again.
  for (int attempt = 0; attempt < 3; ++attempt) {
    std::uint16_t port = free_loopback_port();
    std::ofstream(conf) << nginx_config(launch.dir, port);
    auto server =
        spawn("nginx",
              {launch.binary, "-p", launch.dir + "/", "-c", conf, "-e", launch.dir + "/error.log"},
              launch.dir + "/nginx.out", launch.cpu);
    if (poll_until(*server, launch.start_timeout, [&] { return can_connect(port); })) {
      server->set_port(port);
      if (launch.cpu >= 0) server->set_pinned(affinity_is(server->pid(), launch.cpu));
      return server;
    }
    server->stop({});
    last_log = read_file(launch.dir + "/error.log") + server->log_tail();
    if (last_log.find("Address already in use") == std::string::npos) break;
  }
  throw std::runtime_error("nginx did not start:\n" + last_log);
}

double process_cpu_seconds(pid_t pid) {
  std::string stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // State is field 3; utime and stime are fields 14 and 15.
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double own_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

bool pin_current_thread(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  return ::sched_setaffinity(0, sizeof set, &set) == 0;
}

bool cpu_allowed(int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  return ::sched_getaffinity(0, sizeof set, &set) == 0 && CPU_ISSET(cpu, &set);
}

bool affinity_is(pid_t pid, int cpu) {
  if (cpu < 0 || cpu >= CPU_SETSIZE) return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  return ::sched_getaffinity(pid, sizeof set, &set) == 0 && CPU_COUNT(&set) == 1 &&
         CPU_ISSET(cpu, &set);
}

int online_cpus() {
  return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
}

}  // namespace linkly::bench
