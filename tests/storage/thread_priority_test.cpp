// Background threads: the calling thread alone is lowered (read back from
// the kernel by its tid), and LevelDB's background work runs on a lowered
// thread, through the Env wrapper and through open_leveldb().

#include "storage/thread_priority.hpp"
#include "storage/background_env.hpp"
#include "storage/leveldb_util.hpp"
#include "storage/unique_dir.hpp"

#include <gtest/gtest.h>
#include <leveldb/db.h>

#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <string>
#include <thread>

namespace linkly {
namespace {

// How long a test waits for a thread it started to report.
constexpr std::chrono::seconds kReportTimeout{10};

struct thread_report {
  pid_t tid = 0;
  int policy = -1;  // as the thread itself reads it
  bool background = false;
  std::string name;
};

thread_report report_of_this_thread() {
  thread_report r;
  r.tid = ::gettid();
  r.policy = sched_getscheduler(0);
  r.background = runs_in_background();
  char name[16] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  r.name = name;
  return r;
}

// Runs `setup` on a new thread, then, while that thread still lives, reads
// its policy from here by tid.
struct observed_thread {
  thread_report self;
  int policy_seen_from_outside = -1;
};

template <class Setup>
observed_thread observe(Setup setup) {
  std::promise<thread_report> reported;
  std::promise<void> release;
  std::thread t([&] {
    setup();
    reported.set_value(report_of_this_thread());
    release.get_future().wait();
  });
  observed_thread out;
  auto f = reported.get_future();
  if (f.wait_for(kReportTimeout) == std::future_status::ready) {
    out.self = f.get();
    out.policy_seen_from_outside = sched_getscheduler(out.self.tid);
  }
  release.set_value();
  t.join();
  return out;
}

TEST(ThreadPriority, LowersOnlyTheCallingThread) {
  observed_thread t = observe([] { become_background_thread("bg-test"); });
  EXPECT_EQ(t.policy_seen_from_outside, SCHED_IDLE);
  EXPECT_EQ(t.self.policy, SCHED_IDLE);
  EXPECT_TRUE(t.self.background);
  EXPECT_EQ(t.self.name, "bg-test");
  // The test's own thread (and so the process) keeps its policy.
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
  EXPECT_FALSE(runs_in_background());
}

TEST(ThreadPriority, NamingAloneKeepsThePriority) {
  observed_thread t = observe([] { name_thread("io-test"); });
  EXPECT_EQ(t.policy_seen_from_outside, SCHED_OTHER);
  EXPECT_FALSE(t.self.background);
  EXPECT_EQ(t.self.name, "io-test");
}

TEST(ThreadPriority, LongNamesKeepTheirFirstFifteenBytes) {
  observed_thread t = observe([] { become_background_thread("projection-analytics"); });
  EXPECT_EQ(t.self.name, "projection-anal");
  EXPECT_EQ(t.policy_seen_from_outside, SCHED_IDLE);
}

// A thread that joins `group` as a background thread and lives until
// released, its tid known once started.
class member_thread {
 public:
  explicit member_thread(background_group* group)
      : thread_([this, group] {
          become_background_thread("member-test", group);
          tid_.set_value(::gettid());
          release_.get_future().wait();
        }) {}
  ~member_thread() { stop(); }
  pid_t tid() {
    auto f = tid_.get_future();
    return f.wait_for(kReportTimeout) == std::future_status::ready ? f.get() : 0;
  }
  void stop() {
    if (!thread_.joinable()) return;
    release_.set_value();
    thread_.join();
  }

 private:
  std::promise<pid_t> tid_;
  std::promise<void> release_;
  std::thread thread_;
};

TEST(BackgroundGroup, RaisesAndLowersEveryMemberTogether) {
  background_group group;
  member_thread a(&group);
  member_thread b(&group);
  const pid_t ta = a.tid();
  const pid_t tb = b.tid();
  ASSERT_NE(ta, 0);
  ASSERT_NE(tb, 0);
  EXPECT_EQ(group.size(), 2u);
  EXPECT_EQ(sched_getscheduler(ta), SCHED_IDLE);
  EXPECT_EQ(sched_getscheduler(tb), SCHED_IDLE);
  group.raise(true);
  EXPECT_TRUE(group.raised());
  EXPECT_EQ(sched_getscheduler(ta), SCHED_OTHER);
  EXPECT_EQ(sched_getscheduler(tb), SCHED_OTHER);
  // One that joins while the group is raised starts raised.
  member_thread c(&group);
  const pid_t tc = c.tid();
  ASSERT_NE(tc, 0);
  EXPECT_EQ(sched_getscheduler(tc), SCHED_OTHER);
  group.raise(true);  // no change: not counted again
  EXPECT_EQ(group.raises(), 1u);
  group.raise(false);
  for (pid_t t : {ta, tb, tc}) EXPECT_EQ(sched_getscheduler(t), SCHED_IDLE) << t;
  // A member that exits leaves: its tid is never touched again.
  b.stop();
  EXPECT_EQ(group.size(), 2u);
  group.raise(true);
  EXPECT_EQ(group.raises(), 2u);
  EXPECT_EQ(sched_getscheduler(ta), SCHED_OTHER);
  // The test's own thread was never a member.
  EXPECT_EQ(sched_getscheduler(0), SCHED_OTHER);
}

// An Env whose Schedule() runs each function on a fresh thread, at the
// normal priority: whatever lowers it is the wrapper under test.
class fresh_thread_env : public leveldb::EnvWrapper {
 public:
  fresh_thread_env() : EnvWrapper(leveldb::Env::Default()) {}
  ~fresh_thread_env() override {
    for (auto& t : threads_) t.join();
  }
  void Schedule(void (*function)(void*), void* arg) override {
    threads_.emplace_back(function, arg);
  }

 private:
  std::vector<std::thread> threads_;
};

TEST(BackgroundEnv, RunsScheduledWorkOnALoweredThread) {
  fresh_thread_env target;
  std::unique_ptr<leveldb::Env> env = make_background_env(&target);
  std::promise<thread_report> reported;
  env->Schedule(
      [](void* arg) {
        static_cast<std::promise<thread_report>*>(arg)->set_value(report_of_this_thread());
      },
      &reported);
  auto f = reported.get_future();
  ASSERT_EQ(f.wait_for(kReportTimeout), std::future_status::ready);
  thread_report r = f.get();
  EXPECT_NE(r.tid, ::gettid());
  EXPECT_EQ(r.policy, SCHED_IDLE);
  EXPECT_EQ(r.name, "leveldb-bg");
}

// The thread of this process named `name`, or 0.
pid_t find_thread(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string shown;
    std::getline(comm, shown);
    if (shown == name) return static_cast<pid_t>(std::stol(task.path().filename().string()));
  }
  return 0;
}

TEST(BackgroundEnv, StoresOpenedWithTheDefaultEnvCompactOnALoweredThread) {
  const std::string dir = make_unique_dir(::testing::TempDir() + "linkly-bgenv-");
  ASSERT_FALSE(dir.empty());
  {
    leveldb::Options options;
    options.create_if_missing = true;
    std::unique_ptr<leveldb::DB> db;
    ASSERT_TRUE(open_leveldb(dir + "/db", options, &db));
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(db->Put(leveldb::WriteOptions(), "key" + std::to_string(i), "value").ok());
    }
    // Returns once LevelDB's background thread has flushed and compacted.
    db->CompactRange(nullptr, nullptr);
  }
  pid_t tid = find_thread("leveldb-bg");
  ASSERT_NE(tid, 0) << "no thread of this process is named leveldb-bg";
  EXPECT_EQ(sched_getscheduler(tid), SCHED_IDLE);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace linkly
