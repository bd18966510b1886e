// The journal under a slow disk: a LevelDB env whose log writes block until
// the test opens a gate, so what queues behind a write is under control.

#include "tests/actors/engine_fixture.hpp"

#include "actors/directory.hpp"
#include "actors/link_table.hpp"

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace linkly {
namespace {

using testing::kReplyTimeout;
using testing::pending;
using testing::timed_out_reply;

// While closed, every Append to a writable file blocks until it opens.
class Gate {
 public:
  void pass() {
    std::unique_lock lock(mutex_);
    ++appends_;
    if (!closed_) return;
    ++blocked_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return !closed_; });
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  void open() {
    std::lock_guard lock(mutex_);
    closed_ = false;
    changed_.notify_all();
  }
  /// Waits (bounded) until a writer is blocked at the gate.
  bool await_blocked_writer() {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kReplyTimeout, [this] { return blocked_ > 0; });
  }
  int appends() {
    std::lock_guard lock(mutex_);
    return appends_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool closed_ = false;
  int blocked_ = 0;
  int appends_ = 0;
};

class GatedFile : public leveldb::WritableFile {
 public:
  GatedFile(leveldb::WritableFile* target, Gate* gate) : target_(target), gate_(gate) {}
  ~GatedFile() override { delete target_; }
  leveldb::Status Append(const leveldb::Slice& data) override {
    gate_->pass();
    return target_->Append(data);
  }
  leveldb::Status Close() override { return target_->Close(); }
  leveldb::Status Flush() override { return target_->Flush(); }
  leveldb::Status Sync() override { return target_->Sync(); }

 private:
  leveldb::WritableFile* target_;
  Gate* gate_;
};

class GatedEnv : public leveldb::EnvWrapper {
 public:
  explicit GatedEnv(leveldb::Env* target) : leveldb::EnvWrapper(target) {}
  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewWritableFile(name, out);
    if (s.ok()) *out = new GatedFile(*out, &gate);
    return s;
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    leveldb::Status s = target()->NewAppendableFile(name, out);
    if (s.ok()) *out = new GatedFile(*out, &gate);
    return s;
  }
  Gate gate;
};

class JournalTest : public ::testing::Test {
 protected:
  void start(std::size_t shards) {
    mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<GatedEnv>(mem_env_.get());
    log_options opts;
    opts.sync = false;
    opts.env = env_.get();
    std::unique_ptr<event_log> log;
    status st = event_log::open("/linkly-gated-log", opts, &log);
    ASSERT_TRUE(st) << st.to_string();
    log_ = std::move(log);
    engine_options options;
    options.link_shards = shards;
    options.scheduler_threads = 2;
    options.supervision.initial_backoff = std::chrono::milliseconds(10);
    st = engine::start(options, log_, nullptr, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  void TearDown() override {
    if (env_) env_->gate.open();
    if (engine_) engine_->stop();
    engine_.reset();
    log_.reset();
    env_.reset();
    mem_env_.reset();
  }

  pending<command_reply> create(const std::string& code) {
    pending<command_reply> p;
    engine_->links().create(create_link{code, "https://example.com/" + code}, p.callback());
    return p;
  }

  // Returns once every shard has handled the messages sent to it before.
  void drain_shards() {
    pending<link_page> p;
    engine_->links().list("", 1, p.callback());
    link_page timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    ASSERT_TRUE(p.get(timed_out).ok());
  }

  std::unique_ptr<leveldb::Env> mem_env_;
  std::unique_ptr<GatedEnv> env_;
  std::shared_ptr<event_log> log_;
  std::unique_ptr<engine> engine_;
};

// What a restarted link actor relies on: the replay it asks for includes
// every append the journal received before it, even ones still queued
// behind a slow write. Otherwise the new actor misses links that are in the
// log and, say, accepts their codes again.
TEST_F(JournalTest, ReplayIncludesAppendsQueuedBeforeIt) {
  ASSERT_NO_FATAL_FAILURE(start(1));
  ASSERT_EQ(create("a").get(timed_out_reply()).code, command_errc::ok);

  env_->gate.close();
  auto b = create("b");  // its write blocks at the gate
  ASSERT_TRUE(env_->gate.await_blocked_writer());
  auto c = create("c");                     // queues in the journal behind b's write
  ASSERT_NO_FATAL_FAILURE(drain_shards());  // c's append has been sent

  journal_actor journal = engine_->actors().journal();
  caf::scoped_actor self{journal.home_system()};
  auto replay = self->request(journal, std::chrono::seconds(10), replay_atom::value,
                              std::uint64_t{1}, std::uint64_t{0});
  env_->gate.open();

  table_ptr table;
  replay.receive([&](table_ptr& t) { table = std::move(t); },
                 [&](caf::error& err) { ADD_FAILURE() << self->system().render(err); });
  EXPECT_EQ(b.get(timed_out_reply()).code, command_errc::ok);
  EXPECT_EQ(c.get(timed_out_reply()).code, command_errc::ok);
  ASSERT_TRUE(table);
  EXPECT_NE(table->find("a"), nullptr);
  EXPECT_NE(table->find("b"), nullptr);
  EXPECT_NE(table->find("c"), nullptr) << "replay overtook an append queued before it";
  EXPECT_EQ(log_->highest_seq(), 3u);
}

TEST_F(JournalTest, AppendsQueuedDuringAWriteShareOneBatch) {
  ASSERT_NO_FATAL_FAILURE(start(4));
  env_->gate.close();
  auto first = create("first");
  ASSERT_TRUE(env_->gate.await_blocked_writer());
  const int appends_before = env_->gate.appends();

  std::vector<pending<command_reply>> queued;
  for (int i = 0; i < 50; ++i) queued.push_back(create("q" + std::to_string(i)));
  ASSERT_NO_FATAL_FAILURE(drain_shards());  // all 50 appends are with the journal
  env_->gate.open();

  EXPECT_EQ(first.get(timed_out_reply()).code, command_errc::ok);
  for (auto& p : queued) EXPECT_EQ(p.get(timed_out_reply()).code, command_errc::ok);
  EXPECT_EQ(log_->highest_seq(), 51u);
  // One WriteBatch is one log record: two appends (header, body), a couple
  // more if it spans a block. Fifty separate writes would be 100 or more.
  EXPECT_LE(env_->gate.appends() - appends_before, 8);
}

}  // namespace
}  // namespace linkly
