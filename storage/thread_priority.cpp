#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#endif

namespace linkly {

namespace {

// pthread_setname_np's limit: 16 bytes with the terminating NUL.
constexpr std::size_t kMaxThreadName = 15;

// Logs the first refusal only: every background thread asks, and a system
// that refuses one (a seccomp profile, say) refuses them all.
void warn_once(const char* what, int err) {
  static std::atomic<bool> warned{false};
  if (warned.exchange(true)) return;
  spdlog::warn("background threads keep the normal CPU priority: {}: {}", what, std::strerror(err));
}

}  // namespace

void name_thread(std::string_view name) {
#ifdef __linux__
  std::string shown(name.substr(0, kMaxThreadName));
  pthread_setname_np(pthread_self(), shown.c_str());
#else
  (void)name;
#endif
}

void become_background_thread(std::string_view name) {
  name_thread(name);
#ifdef __linux__
  // SCHED_IDLE, not a nice value: a task that wakes always preempts a
  // SCHED_IDLE one on its CPU (the scheduler's wake-up check), where a nice
  // 19 thread is preempted only when the waker's deadline comes first.
  // On Linux, pid 0 is the calling thread, not the process.
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(0, SCHED_IDLE, &param) != 0) warn_once("sched_setscheduler", errno);
#endif
}

bool runs_in_background() {
#ifdef __linux__
  return sched_getscheduler(0) == SCHED_IDLE;
#else
  return false;
#endif
}

}  // namespace linkly
