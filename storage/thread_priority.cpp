#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <string>

#ifdef __linux__
#include <pthread.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace linkly {

namespace {

// pthread_setname_np's limit: 16 bytes with the terminating NUL.
constexpr std::size_t kMaxThreadName = 15;

// Logs the first refusal of each kind only: every background thread asks,
// and a system that refuses one (a seccomp profile, say) refuses them all.
void warn_once(bool lowering, int err) {
  static std::atomic<bool> warned[2] = {false, false};
  if (warned[lowering ? 1 : 0].exchange(true)) return;
  if (lowering) {
    spdlog::warn("background threads keep the normal CPU priority: sched_setscheduler: {}",
                 std::strerror(err));
  } else {
    spdlog::warn(
        "background threads cannot be raised to the normal CPU priority (needs CAP_SYS_NICE or "
        "RLIMIT_NICE 20): sched_setscheduler: {}",
        std::strerror(err));
  }
}

int current_thread_id() {
#ifdef __linux__
  return static_cast<int>(::syscall(SYS_gettid));
#else
  return 0;
#endif
}

// Moves thread `tid` (0: the caller) to the background level or back.
void set_level(int tid, bool background) {
#ifdef __linux__
  // SCHED_IDLE, not a nice value: a task that wakes always preempts a
  // SCHED_IDLE one on its CPU (the scheduler's wake-up check), where a nice
  // 19 thread is preempted only when the waker's deadline comes first.
  // On Linux, a thread id (0: the caller) names one thread, not the process.
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(tid, background ? SCHED_IDLE : SCHED_OTHER, &param) != 0 &&
      errno != ESRCH) {  // a member that just exited
    warn_once(background, errno);
  }
#else
  (void)tid;
  (void)background;
#endif
}

}  // namespace

// A thread's place in its group, left when the thread exits.
class background_membership {
 public:
  ~background_membership() {
    if (group_ != nullptr) group_->leave(tid_);
  }
  // Joins `group`; false if the thread is a member already (of any group).
  bool join(background_group* group) {
    if (group_ != nullptr) return false;
    group_ = group;
    tid_ = current_thread_id();
    group->join(tid_);
    return true;
  }

 private:
  background_group* group_ = nullptr;
  int tid_ = 0;
};

void background_group::join(int tid) {
  std::lock_guard lock(mutex_);
  members_.push_back(tid);
  set_level(tid, !raised_);
}

void background_group::leave(int tid) {
  std::lock_guard lock(mutex_);
  for (auto it = members_.begin(); it != members_.end(); ++it) {
    if (*it == tid) {
      members_.erase(it);
      return;
    }
  }
}

void background_group::raise(bool raised) {
  std::lock_guard lock(mutex_);
  if (raised == raised_) return;
  raised_ = raised;
  if (raised) ++raises_;
  for (int tid : members_) set_level(tid, !raised);
}

bool background_group::raised() const {
  std::lock_guard lock(mutex_);
  return raised_;
}

std::uint64_t background_group::raises() const {
  std::lock_guard lock(mutex_);
  return raises_;
}

std::size_t background_group::size() const {
  std::lock_guard lock(mutex_);
  return members_.size();
}

background_group& click_path_threads() {
  // Never destroyed: members leave from thread-exit destructors, which may
  // run after static destruction began.
  static auto* group = new background_group();
  return *group;
}

void name_thread(std::string_view name) {
#ifdef __linux__
  std::string shown(name.substr(0, kMaxThreadName));
  pthread_setname_np(pthread_self(), shown.c_str());
#else
  (void)name;
#endif
}

void become_background_thread(std::string_view name, background_group* group) {
  name_thread(name);
  thread_local background_membership membership;
  if (group != nullptr && membership.join(group)) return;  // the group set its level
  set_level(0, true);
}

bool runs_in_background() {
#ifdef __linux__
  return sched_getscheduler(0) == SCHED_IDLE;
#else
  return false;
#endif
}

}  // namespace linkly
