#include "tests/support/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <system_error>
#include <thread>

extern char** environ;

namespace linkly::e2e {

namespace {

using clock = std::chrono::steady_clock;

[[noreturn]] void throw_errno(const char* what) {
  throw std::system_error(errno, std::generic_category(), what);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

struct pipe_pair {
  int read = -1;
  int write = -1;
  pipe_pair() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
    read = fds[0];
    write = fds[1];
  }
  ~pipe_pair() {
    close_fd(read);
    close_fd(write);
  }
};

std::vector<std::string> child_environment(const spawn_options& options) {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view entry(*e);
    if (entry.rfind("LINKLY_", 0) == 0) continue;
    env.emplace_back(entry);
  }
  for (const auto& [name, value] : options.env) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// Between fork and exec only async-signal-safe calls.
[[noreturn]] void exec_child(pid_t parent, int in_fd, int out_fd, int err_fd, char** argv,
                             char** envp, const rlimit* open_files) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  // Unblock every signal: the test process may have blocked some.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  // An ignored signal stays ignored across exec: give the child defaults.
  ::signal(SIGPIPE, SIG_DFL);
  if (open_files != nullptr && ::setrlimit(RLIMIT_NOFILE, open_files) != 0) ::_exit(126);
  if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(126);
  // Sockets and files of other test threads must not leak into the child.
  if (::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
    for (int fd = 3; fd < 4096; ++fd) ::close(fd);
  }
  ::execve(argv[0], argv, envp);
  const char message[] = "child_process: execve failed\n";
  [[maybe_unused]] auto n = ::write(2, message, sizeof message - 1);
  ::_exit(127);
}

}  // namespace

exit_status exit_status::from_wait_status(int wstatus) {
  exit_status st;
  if (WIFEXITED(wstatus)) {
    st.code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    st.signal = WTERMSIG(wstatus);
  }
  return st;
}

std::string exit_status::describe() const {
  if (signal != 0) {
    return "killed by signal " + std::to_string(signal) + " (" + ::strsignal(signal) + ")";
  }
  if (code >= 0) return "exit " + std::to_string(code);
  return "not exited";
}

child_process::child_process(const spawn_options& options) {
  if (options.args.empty()) throw std::invalid_argument("child_process: no program");
  std::vector<std::string> args = options.args;
  std::vector<std::string> env = child_environment(options);
  std::vector<char*> argv = pointers(args);
  std::vector<char*> envp = pointers(env);

  int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) throw_errno("open /dev/null");
  pipe_pair out;
  std::optional<pipe_pair> err;
  if (!options.merge_stderr) err.emplace();

  std::optional<rlimit> open_files;
  if (options.max_open_files) open_files = rlimit{*options.max_open_files, *options.max_open_files};

  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(null_fd);
    errno = saved;
    throw_errno("fork");
  }
  if (pid == 0) {
    exec_child(parent, null_fd, out.write, err ? err->write : out.write, argv.data(), envp.data(),
               open_files ? &*open_files : nullptr);
  }
  ::close(null_fd);
  pid_ = pid;
  stdout_fd_ = out.read;
  out.read = -1;
  if (err) {
    stderr_fd_ = err->read;
    err->read = -1;
  }
}

child_process::~child_process() {
  if (!status_) kill_and_wait();
  close_fd(stdout_fd_);
  close_fd(stderr_fd_);
}

void child_process::signal(int sig) {
  if (!status_) ::kill(pid_, sig);
}

bool child_process::try_reap() {
  if (status_) return true;
  int wstatus = 0;
  pid_t r = ::waitpid(pid_, &wstatus, WNOHANG);
  if (r == pid_) {
    status_ = exit_status::from_wait_status(wstatus);
    return true;
  }
  if (r < 0 && errno == ECHILD) {  // reaped elsewhere: unknown status
    status_ = exit_status{};
    return true;
  }
  return false;
}

std::optional<exit_status> child_process::wait_for(std::chrono::milliseconds timeout) {
  // waitpid has no timeout: poll it, briefly at first.
  auto deadline = clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!try_reap()) {
    if (clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return status_;
}

exit_status child_process::kill_and_wait(std::chrono::milliseconds timeout) {
  signal(SIGKILL);
  if (auto st = wait_for(timeout)) return *st;
  return exit_status{};
}

exit_status child_process::terminate(std::chrono::milliseconds grace) {
  signal(SIGTERM);
  if (auto st = wait_for(grace)) return *st;
  return kill_and_wait();
}

}  // namespace linkly::e2e
