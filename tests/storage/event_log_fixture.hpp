#pragma once
// Shared by the event_log suites: a log over LevelDB's in-memory Env, behind
// an EnvWrapper that can make the write-ahead log's writes fail on demand.

#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly_test {

using namespace linkly;

// Fails every Append, Flush and Sync on LevelDB's *.log files from the n-th
// one on (counting from 0 after fail_from), until heal(): a disk gone bad.
// With fail_every_file(true) the other files written (tables, manifests, a
// probe for space) fail as well: a full disk.
class faulty_env : public leveldb::EnvWrapper {
 public:
  explicit faulty_env(leveldb::Env* target) : EnvWrapper(target) {}

  void fail_from(int n) { countdown_ = n; }
  void heal() {
    countdown_ = -1;
    every_file_ = false;
  }
  void fail_every_file(bool on) { every_file_ = on; }
  int failures() const { return failures_; }

  leveldb::Status NewWritableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(name, target()->NewWritableFile(name, out), out);
  }
  leveldb::Status NewAppendableFile(const std::string& name, leveldb::WritableFile** out) override {
    return wrap(name, target()->NewAppendableFile(name, out), out);
  }

 private:
  class file : public leveldb::WritableFile {
   public:
    file(leveldb::WritableFile* base, faulty_env* env) : base_(base), env_(env) {}
    leveldb::Status Append(const leveldb::Slice& data) override {
      return env_->should_fail() ? injected() : base_->Append(data);
    }
    leveldb::Status Flush() override { return env_->should_fail() ? injected() : base_->Flush(); }
    leveldb::Status Sync() override { return env_->should_fail() ? injected() : base_->Sync(); }
    leveldb::Status Close() override { return base_->Close(); }

   private:
    static leveldb::Status injected() { return leveldb::Status::IOError("injected write failure"); }
    std::unique_ptr<leveldb::WritableFile> base_;
    faulty_env* env_;
  };

  leveldb::Status wrap(const std::string& name, leveldb::Status s, leveldb::WritableFile** out) {
    const std::string suffix = ".log";
    bool is_log = name.size() > suffix.size() &&
                  name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (s.ok() && (is_log || every_file_)) *out = new file(*out, this);
    return s;
  }

  bool should_fail() {
    if (countdown_.load() < 0) return false;
    if (countdown_.load() > 0) {
      --countdown_;
      return false;
    }
    ++failures_;
    return true;
  }

  std::atomic<int> countdown_{-1};
  std::atomic<int> failures_{0};
  std::atomic<bool> every_file_{false};
};

inline envelope event_for(int i) {
  const std::string code = "c" + std::to_string(i);
  return make_envelope(link_created{code, "https://example.com/" + code}, 1000 + i);
}

inline std::vector<envelope> events(int first, int count) {
  std::vector<envelope> out;
  for (int i = first; i < first + count; ++i) out.push_back(event_for(i));
  return out;
}

// A fresh in-memory store holding events seq 1..5, reopenable at will.
class EventLogTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t kAll = event_log::kNoLimit;
  static constexpr const char* kDir = "/mem/links-log";

  void SetUp() override { reset_store(); }
  void TearDown() override { close(); }

  void reset_store() {
    close();
    mem_env_.reset(leveldb::NewMemEnv(leveldb::Env::Default()));
    env_ = std::make_unique<faulty_env>(mem_env_.get());
    ASSERT_TRUE(reopen().is_ok());
    std::vector<envelope> batch = events(1, 5);
    append_result r;
    ASSERT_TRUE(log_->append(batch, &r).is_ok());
    ASSERT_EQ(r.last_seq, 5u);
  }

  void close() { log_.reset(); }

  status reopen() {
    close();
    log_options options;
    options.env = env_.get();
    options.batch_records = batch_records_;
    // Healing tries a reopen at the first append after a failure, unless a
    // test asks for a backoff.
    options.heal_backoff_initial = heal_backoff_;
    options.heal_backoff_max = heal_backoff_;
    return event_log::open(kDir, options, &log_);
  }

  // Replays [from, to) with at most `max`, returning the seqs delivered.
  std::vector<std::uint64_t> seqs(std::uint64_t from, std::uint64_t to, std::uint64_t max,
                                  status* st = nullptr) {
    std::vector<std::uint64_t> seen;
    status s = log_->replay(from, to, max, [&](const envelope& e) {
      seen.push_back(e.seq);
      return true;
    });
    if (st != nullptr)
      *st = s;
    else
      EXPECT_TRUE(s.is_ok()) << s.to_string();
    return seen;
  }

  // Closes the log and lets `fn` edit its LevelDB directly; reopen() after.
  void with_raw_db(const std::function<void(leveldb::DB*)>& fn) {
    close();
    leveldb::Options options;
    options.env = env_.get();
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, kDir, &raw).ok());
    fn(raw);
    delete raw;
  }

  std::chrono::milliseconds heal_backoff_{0};
  bool batch_records_ = false;  // log_options::batch_records
  // Declared before log_: the log is closed before its Env goes away.
  std::unique_ptr<leveldb::Env> mem_env_;
  std::unique_ptr<faulty_env> env_;
  std::unique_ptr<event_log> log_;
};

using Seqs = std::vector<std::uint64_t>;

}  // namespace linkly_test
