#include "tests/support/server_process.hpp"

#include "tests/support/linkly_cli.hpp"

#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>

namespace linkly::e2e {

namespace {

constexpr std::string_view kListening = "linkly listening on http://";

// The port of a "linkly listening on http://HOST:PORT" line, or 0.
std::uint16_t parse_port(std::string_view line) {
  auto at = line.find(kListening);
  if (at == std::string_view::npos) return 0;
  std::string_view rest = line.substr(at + kListening.size());
  auto end = rest.find_first_of(" \t\r\n/");
  std::string_view hostport = rest.substr(0, end);
  auto colon = hostport.rfind(':');
  if (colon == std::string_view::npos) return 0;
  std::string_view digits = hostport.substr(colon + 1);
  unsigned value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || value == 0 || value > 65535) {
    return 0;
  }
  return static_cast<std::uint16_t>(value);
}

}  // namespace

server_process::server_process(const std::string& data_dir, server_options options) {
  spawn_options spawn;
  spawn.args = {linkly_binary(), "serve", "--data", data_dir, "--listen", options.listen};
  spawn.args.insert(spawn.args.end(), options.extra_args.begin(), options.extra_args.end());
  spawn.max_open_files = options.max_open_files;
  spawn.env = std::move(options.env);
  spawn.merge_stderr = true;
  child_ = std::make_unique<child_process>(spawn);
  reader_ = std::thread([this] { drain(); });

  auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
  std::unique_lock lock(mutex_);
  std::size_t seen = 0;
  while (port_ == 0) {
    for (; seen < lines_.size() && port_ == 0; ++seen) port_ = parse_port(lines_[seen]);
    if (port_ != 0 || output_closed_) break;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) break;
  }
  if (port_ != 0) return;
  lock.unlock();

  // Not listening: collect why, clean up, and throw (no destructor runs).
  auto st = child_->wait_for(std::chrono::milliseconds(500));
  std::string how =
      st ? st->describe()
         : "still running after " + std::to_string(options.start_timeout.count()) + " ms, killed";
  child_->kill_and_wait();
  reader_.join();
  std::string command;
  for (const auto& arg : spawn.args) command += (command.empty() ? "" : " ") + arg;
  throw std::runtime_error(command + ": did not start listening (" + how + "); output:\n" +
                           output_text());
}

server_process::~server_process() {
  if (running()) child_->kill_and_wait();
  if (reader_.joinable()) reader_.join();
}

void server_process::drain() {
  int fd = child_->stdout_fd();
  std::string partial;
  char buffer[4096];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EOF: the child and everything it started are gone
    partial.append(buffer, static_cast<std::size_t>(n));
    std::vector<std::string> complete;
    for (auto nl = partial.find('\n'); nl != std::string::npos; nl = partial.find('\n')) {
      complete.push_back(partial.substr(0, nl));
      partial.erase(0, nl + 1);
    }
    if (!complete.empty()) {
      std::lock_guard lock(mutex_);
      for (auto& line : complete) lines_.push_back(std::move(line));
      changed_.notify_all();
    }
  }
  std::lock_guard lock(mutex_);
  if (!partial.empty()) lines_.push_back(std::move(partial));
  output_closed_ = true;
  changed_.notify_all();
}

exit_status server_process::stop(std::chrono::milliseconds grace) {
  exit_status st = child_->terminate(grace);
  if (reader_.joinable()) reader_.join();
  return st;
}

exit_status server_process::kill9() {
  exit_status st = child_->kill_and_wait();
  if (reader_.joinable()) reader_.join();
  return st;
}

std::optional<exit_status> server_process::wait_exit(std::chrono::milliseconds timeout) {
  auto st = child_->wait_for(timeout);
  if (st && reader_.joinable()) reader_.join();
  return st;
}

std::vector<std::string> server_process::output() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

std::string server_process::output_text() const {
  std::lock_guard lock(mutex_);
  std::string text;
  for (const auto& line : lines_) text.append(line).append("\n");
  return text;
}

bool server_process::wait_for_output(std::string_view needle,
                                     std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  std::size_t seen = 0;
  for (;;) {
    for (; seen < lines_.size(); ++seen) {
      if (lines_[seen].find(needle) != std::string::npos) return true;
    }
    if (output_closed_) return false;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; seen < lines_.size(); ++seen) {
        if (lines_[seen].find(needle) != std::string::npos) return true;
      }
      return false;
    }
  }
}

}  // namespace linkly::e2e
