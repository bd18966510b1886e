#include "bench/harness/core_load.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>

namespace linkly::bench {

namespace {

double ticks_to_seconds(unsigned long long ticks) {
  return static_cast<double>(ticks) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

}  // namespace

double core_user_and_steal_seconds(int cpu) {
  if (cpu < 0) return -1;
  std::ifstream in("/proc/stat");
  const std::string name = "cpu" + std::to_string(cpu);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string label;
    fields >> label;
    if (label != name) continue;
    // user nice system idle iowait irq softirq steal (guest time is in user).
    unsigned long long v[8] = {};
    for (auto& x : v) {
      if (!(fields >> x)) return -1;
    }
    return ticks_to_seconds(v[0] + v[1] + v[7]);
  }
  return -1;
}

double process_user_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may hold spaces.
  auto close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  // State is field 3; utime is field 14.
  for (int i = 3; i <= 14 && fields >> field; ++i) {
    if (i == 14) return ticks_to_seconds(std::stoull(field));
  }
  return -1;
}

double own_user_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec) * 1e-6;
}

double core_watch::ours() const {
  return pid_ == 0 ? own_user_seconds() : process_user_seconds(pid_);
}

void core_watch::start() {
  if (cpu_ < 0 || pid_ < 0) return;
  core_start_ = core_user_and_steal_seconds(cpu_);
  ours_start_ = ours();
}

void core_watch::stop() {
  if (core_start_ < 0 || ours_start_ < 0) return;
  double core = core_user_and_steal_seconds(cpu_);
  double mine = ours();
  if (core < 0 || mine < 0) return;
  // Tick-based core time and the process's own accounting differ by a tick
  // or so: never below zero.
  seconds_ = std::max(0.0, (core - core_start_) - (mine - ours_start_));
}

}  // namespace linkly::bench
