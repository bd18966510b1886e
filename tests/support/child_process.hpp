#pragma once
// child_process: one program started with fork/exec, its output on pipes,
// reaped with bounded waits. The building block of server_process and
// run_linkly.
//
// The child gets stdin from /dev/null, a clean set of LINKLY_* variables
// (only those in spawn_options::env; the caller's own LINKLY_* settings
// never leak into a test) and dies with the thread that started it
// (PR_SET_PDEATHSIG), so a crashed test run leaves no server behind. Start
// children from a thread that outlives them, e.g. the test's main thread.

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace linkly::e2e {

/// How a child ended.
struct exit_status {
  int code = -1;   // exit code when it exited normally
  int signal = 0;  // the signal that ended it, else 0

  static exit_status from_wait_status(int wstatus);
  bool exited() const { return signal == 0 && code >= 0; }
  bool success() const { return exited() && code == 0; }
  /// "exit 0", "killed by signal 9 (Killed)".
  std::string describe() const;
};

struct spawn_options {
  /// args[0] is the program's path (no PATH search).
  std::vector<std::string> args;
  /// Environment variables to set in the child, on top of the caller's
  /// environment minus every LINKLY_* variable.
  std::vector<std::pair<std::string, std::string>> env;
  /// true: stdout and stderr share one pipe (stdout_fd()); false: separate.
  bool merge_stderr = true;
  /// Set: the child's RLIMIT_NOFILE, soft and hard (`ulimit -n N`).
  std::optional<unsigned long> max_open_files;
};

class child_process {
 public:
  /// Starts the program. Throws std::system_error when the pipes or the
  /// fork fail; an exec failure shows as exit code 127 with a message on
  /// the child's stderr.
  explicit child_process(const spawn_options& options);
  /// SIGKILLs and reaps the child if it is still running.
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  /// Read ends of the output pipes (O_CLOEXEC). stderr_fd() is -1 when
  /// merged into stdout. Owned by this object.
  int stdout_fd() const { return stdout_fd_; }
  int stderr_fd() const { return stderr_fd_; }

  /// Sends `sig` unless the child has already been reaped.
  void signal(int sig);
  /// Reaps the child if it exits within `timeout`; nullopt if still running.
  std::optional<exit_status> wait_for(std::chrono::milliseconds timeout);
  /// The status once reaped.
  std::optional<exit_status> status() const { return status_; }
  /// SIGKILL, then reap (bounded by `timeout`; a SIGKILLed process that
  /// does not go away within it is a kernel-level problem).
  exit_status kill_and_wait(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  /// SIGTERM, wait up to `grace`, then SIGKILL.
  exit_status terminate(std::chrono::milliseconds grace);

 private:
  bool try_reap();

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int stderr_fd_ = -1;
  std::optional<exit_status> status_;
};

}  // namespace linkly::e2e
