#pragma once
// server_launcher: the servers a benchmark measures, as child processes on
// loopback. Each runs in its own process group (a Ctrl-C reaches only the
// harness, which then stops them in order), dies with the harness
// (PR_SET_PDEATHSIG), can be pinned to one CPU, and writes its output to a
// log file beside its data.
//
//   auto server = start_linkly({.binary = ..., .data_dir = ..., .clicks_mode = "queued"});
//   ... load on server->port() ...
//   server->stop(std::chrono::seconds(30));
//
// server_process's destructor SIGKILLs a server that is still running.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace linkly::bench {

class server_process {
 public:
  server_process(std::string name, pid_t pid, std::string log_path);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  std::uint16_t port() const { return port_; }
  void set_port(std::uint16_t port) { port_ = port; }
  /// Whether its affinity, read back once it was up, is the CPU asked for.
  bool pinned() const { return pinned_; }
  void set_pinned(bool pinned) { pinned_ = pinned; }
  const std::string& log_path() const { return log_path_; }

  /// False once the process has exited (reaps it if so).
  bool running();
  /// SIGTERM, up to `grace` for a clean exit, then SIGKILL. Returns how it
  /// ended: "exit 0", "exit 1", "signal 9".
  std::string stop(std::chrono::milliseconds grace);
  /// The log's last lines, for error messages.
  std::string log_tail(std::size_t max_bytes = 2000) const;

 private:
  bool wait_exit(std::chrono::milliseconds timeout);

  std::string name_;
  pid_t pid_;
  std::string log_path_;
  std::uint16_t port_ = 0;
  bool pinned_ = false;
  bool reaped_ = false;
  int wait_status_ = 0;
};

struct linkly_launch {
  std::string binary;
  std::string data_dir;  // its log goes to data_dir + ".log"
  std::string clicks_mode = "queued";
  std::vector<std::string> extra_args;
  int cpu = -1;  // pin to this CPU; -1: anywhere
  std::chrono::milliseconds start_timeout{60'000};
};

/// `linkly serve --data DIR --listen 127.0.0.1:0 --http-io-threads 1
/// --clicks-mode MODE [extra]`, returned once its log says it listens (the
/// port is parsed from that line). Throws std::runtime_error with the log
/// when it does not start.
std::unique_ptr<server_process> start_linkly(const linkly_launch& launch);

struct nginx_launch {
  std::string binary = "/usr/sbin/nginx";
  std::string dir;  // config, pid, logs and temp files all go here
  int cpu = -1;
  std::chrono::milliseconds start_timeout{10'000};
};

/// One nginx process (`master_process off`, one worker, `daemon off`) that
/// answers GET /s/CODE with `302 Location: url_of(CODE)` from its config
/// alone. Retried on a fresh port if another process took the one picked.
std::unique_ptr<server_process> start_nginx(const nginx_launch& launch);
std::string nginx_config(const std::string& dir, std::uint16_t port);

/// utime + stime of every thread of `pid` so far, from /proc/PID/stat; a
/// negative value when it cannot be read.
double process_cpu_seconds(pid_t pid);
/// CPU time of this whole process so far.
double own_cpu_seconds();
/// Pins the calling thread; false when the CPU does not exist here.
bool pin_current_thread(int cpu);
/// Whether `cpu` is in the calling thread's allowed set (sched_getaffinity).
bool cpu_allowed(int cpu);
/// Whether thread or process `pid` may run on `cpu` and on no other.
bool affinity_is(pid_t pid, int cpu);
int online_cpus();

}  // namespace linkly::bench
