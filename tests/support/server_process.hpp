#pragma once
// server_process: a real `linkly serve` in a child process, on a free port.
//
//   temp_dir data;
//   server_process server(data.path());
//   http_client client(server.port());
//   ...
//   EXPECT_TRUE(server.stop().success());
//
// The constructor runs `$LINKLY_BIN serve --data DIR --listen 127.0.0.1:0
// [extra args]` and returns once the server logs "linkly listening on
// http://127.0.0.1:PORT" (or throws, with the server's output, when it does
// not within the start timeout). A background thread keeps draining the
// child's stdout+stderr into output(), so tests can assert on the logs and
// the server never blocks on a full pipe. The destructor SIGKILLs a server
// that is still running.

#include "tests/support/child_process.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace linkly::e2e {

struct server_options {
  /// Appended after `serve --data DIR --listen ADDR`.
  std::vector<std::string> extra_args;
  /// LINKLY_* (or other) variables for the child.
  std::vector<std::pair<std::string, std::string>> env;
  std::string listen = "127.0.0.1:0";
  std::chrono::milliseconds start_timeout{20'000};
  /// Set: the server's RLIMIT_NOFILE, soft and hard (`ulimit -n N`).
  std::optional<unsigned long> max_open_files;
};

class server_process {
 public:
  /// Starts the server and waits until it listens. Throws
  /// std::runtime_error (message includes its output) when it does not.
  explicit server_process(const std::string& data_dir, server_options options = {});
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  std::uint16_t port() const { return port_; }
  pid_t pid() const { return child_->pid(); }
  /// True until the process has been reaped.
  bool running() const { return !child_->status().has_value(); }

  /// SIGTERM, then wait up to `grace` for a graceful exit; SIGKILL after
  /// that. Returns how it ended (success() for a clean exit 0).
  exit_status stop(std::chrono::milliseconds grace = std::chrono::seconds(15));
  /// SIGKILL, as a crash would; returns once the process is reaped.
  exit_status kill9();
  /// Reaps the process if it exits by itself within `timeout`.
  std::optional<exit_status> wait_exit(std::chrono::milliseconds timeout);

  /// Every output line so far (stdout and stderr interleaved).
  std::vector<std::string> output() const;
  /// The output as one string, for failure messages.
  std::string output_text() const;
  /// Waits until an output line contains `needle`; false on timeout or when
  /// the output ends without one.
  bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;

 private:
  void drain();

  std::unique_ptr<child_process> child_;
  std::uint16_t port_ = 0;
  std::thread reader_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<std::string> lines_;
  bool output_closed_ = false;
};

}  // namespace linkly::e2e
