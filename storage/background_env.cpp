#include "storage/background_env.hpp"

#include "storage/thread_priority.hpp"

namespace linkly {

namespace {

// The name LevelDB's background thread shows in `top -H` and `perf sched`.
constexpr const char* kThreadName = "leveldb-bg";

class background_env final : public leveldb::EnvWrapper {
 public:
  explicit background_env(leveldb::Env* target) : EnvWrapper(target) {}

  void Schedule(void (*function)(void*), void* arg) override {
    target()->Schedule(&run, new job{function, arg});
  }

 private:
  struct job {
    void (*function)(void*);
    void* arg;
  };

  static void run(void* p) {
    std::unique_ptr<job> j(static_cast<job*>(p));
    // The default Env runs every job on one long-lived thread: lowered once.
    // A click writer waits for its memtable flushes, so the thread is raised
    // with the click path's (thread_priority.hpp).
    thread_local bool lowered = false;
    if (!lowered) {
      become_background_thread(kThreadName, &click_path_threads());
      lowered = true;
    }
    j->function(j->arg);
  }
};

}  // namespace

leveldb::Env* background_leveldb_env() {
  static leveldb::Env* env = new background_env(leveldb::Env::Default());
  return env;
}

std::unique_ptr<leveldb::Env> make_background_env(leveldb::Env* target) {
  return std::make_unique<background_env>(target);
}

}  // namespace linkly
