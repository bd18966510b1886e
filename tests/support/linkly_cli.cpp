#include "tests/support/linkly_cli.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <stdexcept>

namespace linkly::e2e {

std::string linkly_binary() {
  const char* bin = std::getenv("LINKLY_BIN");
  if (bin == nullptr || *bin == '\0') {
    throw std::runtime_error(
        "LINKLY_BIN is not set: run through ctest, or set it to the linkly "
        "executable");
  }
  return bin;
}

std::vector<std::string> cli_result::out_lines() const {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < out.size()) {
    auto nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    lines.push_back(out.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

std::string cli_result::describe() const {
  return status.describe() + (timed_out ? " (timed out)" : "") + "\n--- stdout ---\n" + out +
         "--- stderr ---\n" + err;
}

cli_result run_linkly(const std::vector<std::string>& args, const cli_options& options) {
  spawn_options spawn;
  spawn.args.push_back(linkly_binary());
  spawn.args.insert(spawn.args.end(), args.begin(), args.end());
  spawn.env = options.env;
  spawn.merge_stderr = false;
  child_process child(spawn);

  cli_result result;
  auto deadline = std::chrono::steady_clock::now() + options.timeout;
  struct stream {
    int fd;
    std::string* text;
    bool open = true;
  } streams[2] = {{child.stdout_fd(), &result.out}, {child.stderr_fd(), &result.err}};
  while (streams[0].open || streams[1].open) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2];
    nfds_t count = 0;
    stream* which[2];
    for (auto& s : streams) {
      if (!s.open) continue;
      fds[count] = {s.fd, POLLIN, 0};
      which[count++] = &s;
    }
    int ready = ::poll(fds, count, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) break;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      char buffer[4096];
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        which[i]->open = false;
      } else {
        which[i]->text->append(buffer, static_cast<std::size_t>(n));
      }
    }
  }
  if (result.timed_out) {
    result.status = child.kill_and_wait();
  } else if (auto st = child.wait_for(std::chrono::seconds(10))) {
    result.status = *st;
  } else {
    result.timed_out = true;
    result.status = child.kill_and_wait();
  }
  return result;
}

}  // namespace linkly::e2e
