// A log that cannot be written: commands answer `unavailable`, nothing
// reaches the view, and no actor is restarted for a failure it knows about.

#include "tests/actors/engine_fixture.hpp"

#include "actors/directory.hpp"
#include "actors/link_table.hpp"

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

namespace linkly {
namespace {

using testing::pending;
using testing::timed_out_reply;

// Writable files whose Append/Sync fail while `failing` is set.
class FailingWritableFile : public leveldb::WritableFile {
 public:
  FailingWritableFile(leveldb::WritableFile* target, const std::atomic<bool>* failing)
      : target_(target), failing_(failing) {}
  ~FailingWritableFile() override { delete target_; }

  leveldb::Status Append(const leveldb::Slice& data) override {
    if (failing_->load()) return leveldb::Status::IOError("injected append failure");
    return target_->Append(data);
  }
  leveldb::Status Close() override { return target_->Close(); }
  leveldb::Status Flush() override {
    if (failing_->load()) return leveldb::Status::IOError("injected flush failure");
    return target_->Flush();
  }
  leveldb::Status Sync() override {
    if (failing_->load()) return leveldb::Status::IOError("injected sync failure");
    return target_->Sync();
  }

 private:
  leveldb::WritableFile* target_;
  const std::atomic<bool>* failing_;
};

class FailingEnv : public leveldb::EnvWrapper {
 public:
  explicit FailingEnv(leveldb::Env* target) : leveldb::EnvWrapper(target) {}

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(target()->NewWritableFile(name, out), out);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(target()->NewAppendableFile(name, out), out);
  }

  std::atomic<bool> failing{false};

 private:
  leveldb::Status wrap(leveldb::Status s, leveldb::WritableFile** out) {
    if (s.ok()) *out = new FailingWritableFile(*out, &failing);
    return s;
  }
};

class JournalFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<FailingEnv>(mem_env_.get());
    log_options opts;
    opts.sync = false;
    opts.env = env_.get();
    // The log reopens itself no sooner than this after a failed write: long
    // unless a test is about healing, so that refusals are deterministic.
    opts.heal_backoff_initial = heal_backoff_;
    opts.heal_backoff_max = heal_backoff_;
    std::unique_ptr<event_log> log;
    status st = event_log::open("/linkly-failing-log", opts, &log);
    ASSERT_TRUE(st) << st.to_string();
    log_ = std::move(log);

    options_.link_shards = 4;
    options_.scheduler_threads = 2;
    options_.supervision.initial_backoff = std::chrono::milliseconds(10);
    st = engine::start(
        options_, log_, [this](const std::string&) { ++fatal_calls_; }, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  void TearDown() override {
    // The env must outlive the engine (whose journal holds the log) and the log.
    if (engine_) engine_->stop();
    engine_.reset();
    log_.reset();
    env_.reset();
    mem_env_.reset();
  }

  command_reply create(std::string code, std::string url) {
    pending<command_reply> p;
    engine_->links().create(create_link{std::move(code), std::move(url)}, p.callback());
    return p.get(timed_out_reply());
  }

  // A page from every shard: false if any shard did not answer (e.g. it quit).
  bool every_shard_answers() {
    pending<link_page> p;
    engine_->links().list("", 100, p.callback());
    link_page timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    return p.get(timed_out).ok();
  }

  std::chrono::milliseconds heal_backoff_ = std::chrono::hours(1);
  std::unique_ptr<leveldb::Env> mem_env_;
  std::unique_ptr<FailingEnv> env_;
  std::shared_ptr<event_log> log_;
  engine_options options_;
  std::unique_ptr<engine> engine_;
  std::atomic<int> fatal_calls_{0};
};

TEST_F(JournalFailureTest, FailedAppendAnswersUnavailableWithoutRestarting) {
  ASSERT_EQ(create("ok", "https://example.com/ok").code, command_errc::ok);
  ASSERT_EQ(log_->highest_seq(), 1u);
  link_actor shard = engine_->actors().shard_for("broken");
  journal_actor journal = engine_->actors().journal();

  env_->failing = true;
  command_reply r = create("broken", "https://example.com/broken");
  EXPECT_EQ(r.code, command_errc::unavailable) << r.error;
  std::string url;
  EXPECT_FALSE(engine_->view().find_url("broken", &url));
  EXPECT_EQ(log_->highest_seq(), 1u);

  // Sent after the failure: answered only if no shard quit over it.
  EXPECT_TRUE(every_shard_answers());
  EXPECT_EQ(engine_->restarts(), 0u);
  EXPECT_EQ(engine_->actors().shard_for("broken").address(), shard.address());
  EXPECT_EQ(engine_->actors().journal().address(), journal.address());

  // The disk recovered, but the log reopens only after its backoff (an hour
  // here): until then it refuses appends.
  env_->failing = false;
  r = create("broken2", "https://example.com/broken2");
  EXPECT_EQ(r.code, command_errc::unavailable) << r.error;
  EXPECT_FALSE(engine_->view().find_url("broken2", &url));
  // The same code can be tried again: the failed create left nothing behind.
  r = create("broken", "https://example.com/broken");
  EXPECT_EQ(r.code, command_errc::unavailable) << r.error;

  EXPECT_TRUE(every_shard_answers());
  EXPECT_EQ(engine_->restarts(), 0u);
  EXPECT_EQ(fatal_calls_.load(), 0);
  EXPECT_EQ(log_->highest_seq(), 1u);
  // Links written before the failure still resolve.
  ASSERT_TRUE(engine_->view().find_url("ok", &url));
  EXPECT_EQ(url, "https://example.com/ok");
}

class JournalHealTest : public JournalFailureTest {
 protected:
  void SetUp() override {
    heal_backoff_ = std::chrono::milliseconds(20);
    JournalFailureTest::SetUp();
  }
};

TEST_F(JournalHealTest, CreatesSucceedAgainOnceTheDiskRecovers) {
  ASSERT_EQ(create("ok", "https://example.com/ok").code, command_errc::ok);
  env_->failing = true;
  EXPECT_EQ(create("broken", "https://example.com/broken").code, command_errc::unavailable);
  EXPECT_FALSE(log_->writable());
  env_->failing = false;
  // Bounded: the log reopens at the first append after its 20 ms backoff.
  command_reply r;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do {
    r = create("broken", "https://example.com/broken");
  } while (r.code == command_errc::unavailable && std::chrono::steady_clock::now() < until);
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_TRUE(log_->writable());
  EXPECT_EQ(log_->highest_seq(), 2u) << "the failed create left nothing: seq 2 is the retry";
  std::string url;
  ASSERT_TRUE(engine_->view().find_url("broken", &url));
  EXPECT_EQ(url, "https://example.com/broken");
  EXPECT_EQ(engine_->restarts(), 0u);
  EXPECT_EQ(fatal_calls_.load(), 0);
}

TEST_F(JournalFailureTest, FailedImportAnswersUnavailableAndReleasesItsCodes) {
  ASSERT_EQ(create("ok", "https://example.com/ok").code, command_errc::ok);
  env_->failing = true;
  pending<import_reply> p;
  engine_->links().import_links({{"i1", "https://example.com/1"}, {"ok", "https://example.com/x"}},
                                p.callback());
  import_reply r = p.get(import_reply{});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.imported, 0u);
  ASSERT_EQ(r.refused.size(), 1u);  // the taken code is still refused as such
  EXPECT_EQ(r.refused[0].index, 1u);
  std::string url;
  EXPECT_FALSE(engine_->view().find_url("i1", &url));
  // The code is not left busy: a command for it is answered, not parked.
  env_->failing = false;
  EXPECT_EQ(create("i1", "https://example.com/1").code, command_errc::unavailable);
  EXPECT_TRUE(every_shard_answers());
  EXPECT_EQ(engine_->restarts(), 0u);
  EXPECT_EQ(log_->highest_seq(), 1u);
}

TEST_F(JournalFailureTest, FailedUpdateKeepsThePreviousUrl) {
  ASSERT_EQ(create("keep", "https://example.com/v1").code, command_errc::ok);
  env_->failing = true;
  pending<command_reply> p;
  engine_->links().update(update_link{"keep", "https://example.com/v2"}, p.callback());
  command_reply r = p.get(timed_out_reply());
  EXPECT_EQ(r.code, command_errc::unavailable) << r.error;

  link_info info;
  ASSERT_TRUE(engine_->view().find("keep", &info));
  EXPECT_EQ(info.url, "https://example.com/v1");
  EXPECT_EQ(info.version, 1u);
  EXPECT_TRUE(every_shard_answers());
  EXPECT_EQ(engine_->restarts(), 0u);
}

}  // namespace
}  // namespace linkly
