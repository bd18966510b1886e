// The click queue's promises under faults: transient failures are retried
// and every click written exactly once; permanent failures end in the
// dead-letter store and are written once when redriven; a crashed writer is
// replaced and its batch retried; a full queue sheds and counts.

#include "actors/click_queue.hpp"
#include "schemas/click_events.hpp"
#include "storage/record_format.hpp"
#include "storage/thread_priority.hpp"
#include "tests/actors/engine_fixture.hpp"
#include "tests/storage/event_log_fixture.hpp"

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include <sched.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>

namespace linkly {
namespace {

using namespace std::chrono_literals;
using testing::eventually;

// A sink scripted by the test: fails the next N appends, throws once, or
// holds appends until released. Records what it stored.
class scripted_sink : public event_sink {
 public:
  status append(const std::vector<envelope>& events, append_result* result,
                const before_write_hook* = nullptr) override {
    std::unique_lock lock(mutex_);
    writer_tid_ = ::gettid();  // the writer's thread: its level is read from outside
    cv_.wait(lock, [this] { return !held_; });
    if (throw_next_) {
      throw_next_ = false;
      throw std::runtime_error("disk on fire");
    }
    if (fail_always_ || fail_next_ > 0) {
      if (fail_next_ > 0) --fail_next_;
      return status::io_error("injected write failure");
    }
    result->first_seq = stored_.size() + 1;
    for (const auto& e : events) {
      stored_.push_back(e);
      stored_.back().seq = stored_.size();
    }
    result->last_seq = stored_.size();
    return status::ok();
  }

  void fail_next(int n) {
    std::lock_guard l(mutex_);
    fail_next_ = n;
  }
  void fail_always(bool on) {
    std::lock_guard l(mutex_);
    fail_always_ = on;
  }
  void throw_next() {
    std::lock_guard l(mutex_);
    throw_next_ = true;
  }
  void hold(bool on) {
    {
      std::lock_guard l(mutex_);
      held_ = on;
    }
    cv_.notify_all();
  }
  std::vector<envelope> stored() {
    std::lock_guard l(mutex_);
    return stored_;
  }
  // The thread of the last append, 0 before the first.
  pid_t writer_tid() {
    std::lock_guard l(mutex_);
    return writer_tid_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<envelope> stored_;
  int fail_next_ = 0;
  bool fail_always_ = false;
  bool throw_next_ = false;
  bool held_ = false;
  pid_t writer_tid_ = 0;
};

std::vector<envelope> clicks(const std::string& code, int from, int count) {
  std::vector<envelope> out;
  for (int i = from; i < from + count; ++i) {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = 1'700'000'000'000 + i;
    c.url = "https://example.com/" + std::to_string(i);
    out.push_back(make_click_envelope(c));
  }
  return out;
}

class ClickQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    ASSERT_TRUE(dead_letter_store::open(dir_ + "/dlq", {}, &dead_letters_));
    config_.set("scheduler.max-threads", 2);
    config_.set("logger.console-verbosity", caf::atom("quiet"));
    system_ = std::make_unique<caf::actor_system>(config_);
  }

  void TearDown() override {
    sink_.hold(false);
    if (queue_) caf::anon_send_exit(queue_, caf::exit_reason::user_shutdown);
    system_->await_all_actors_done();
    system_.reset();
    dead_letters_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void start(click_queue_options options, std::shared_ptr<payload_pool> payloads = nullptr) {
    options.backoff = 1ms;
    options.max_wait = 1ms;
    queue_ = spawn_click_queue(
        *system_, options, &sink_, dead_letters_.get(), metrics_,
        [this](const std::string& why) { fatal_ = why; }, nullptr, std::move(payloads));
  }

  // Waits until nothing is held; the number of clicks written so far.
  std::uint64_t drain() {
    caf::scoped_actor self{*system_};
    std::uint64_t written = 0;
    self->request(queue_, std::chrono::seconds(10), drain_atom::value)
        .receive([&](std::uint64_t n) { written = n; },
                 [&](caf::error& err) { ADD_FAILURE() << system_->render(err); });
    return written;
  }

  // Every stored click is a different one: nothing written twice.
  void expect_no_duplicates() {
    std::set<std::int64_t> seen;
    for (const auto& e : sink_.stored()) {
      EXPECT_TRUE(seen.insert(e.timestamp_ms).second) << "written twice: " << e.timestamp_ms;
    }
  }

  std::string dir_;
  scripted_sink sink_;
  std::unique_ptr<dead_letter_store> dead_letters_;
  std::shared_ptr<click_metrics> metrics_ = std::make_shared<click_metrics>();
  caf::actor_system_config config_;
  std::unique_ptr<caf::actor_system> system_;
  click_queue_actor queue_;
  std::string fatal_;
};

TEST_F(ClickQueueTest, TransientFailuresAreRetriedAndEachClickWrittenOnce) {
  start({});
  sink_.fail_next(2);
  caf::anon_send(queue_, enqueue_atom::value, clicks("iii", 0, 3));
  EXPECT_EQ(drain(), 3u);
  EXPECT_EQ(sink_.stored().size(), 3u);
  expect_no_duplicates();
  EXPECT_EQ(metrics_->retries.load(), 2u);
  EXPECT_EQ(metrics_->dead_lettered.load(), 0u);
  EXPECT_EQ(dead_letters_->size(), 0u);
}

TEST_F(ClickQueueTest, ABatchTheDeadLetterStoreCannotTakeIsKeptAndParkedOnceItHeals) {
  // The dead-letter store on a disk that fails, healing at its next put.
  std::unique_ptr<leveldb::Env> mem_env(leveldb::NewMemEnv(leveldb::Env::Default()));
  linkly_test::faulty_env env(mem_env.get());
  dead_letter_options dlq;
  dlq.env = &env;
  dlq.heal_backoff_initial = 0ms;
  dlq.heal_backoff_max = 0ms;
  ASSERT_TRUE(dead_letter_store::open("/mem/dlq", dlq, &dead_letters_));
  click_queue_options options;
  options.max_retries = 2;
  start(options);
  sink_.fail_always(true);
  env.fail_from(0);
  caf::anon_send(queue_, enqueue_atom::value, clicks("iii", 0, 3));
  ASSERT_TRUE(eventually([&] { return env.failures() >= 2; })) << "parking was tried twice";
  EXPECT_EQ(dead_letters_->size(), 0u);
  EXPECT_EQ(metrics_->depth.load(), 3u) << "still held, not dropped";
  EXPECT_EQ(metrics_->lost.load(), 0u);

  env.heal();
  EXPECT_EQ(drain(), 0u);
  EXPECT_EQ(metrics_->dead_lettered.load(), 3u);
  EXPECT_EQ(metrics_->lost.load(), 0u);
  std::vector<dead_letter> parked;
  ASSERT_TRUE(dead_letters_->list(0, 10, &parked));
  ASSERT_EQ(parked.size(), 1u) << "parked once, whatever the failed puts left";
  std::vector<envelope> batch;
  ASSERT_TRUE(decode_batch(parked[0].payload, &batch));
  EXPECT_EQ(batch.size(), 3u);
  caf::anon_send_exit(queue_, caf::exit_reason::user_shutdown);
  system_->await_all_actors_done();
  queue_ = nullptr;
  dead_letters_.reset();  // before its Env goes away
}

TEST_F(ClickQueueTest, PermanentFailureParksTheBatchThenRedriveWritesItOnce) {
  click_queue_options options;
  options.max_retries = 3;
  start(options);
  sink_.fail_always(true);
  caf::anon_send(queue_, enqueue_atom::value, clicks("iii", 0, 5));
  drain();
  EXPECT_TRUE(sink_.stored().empty());
  EXPECT_EQ(metrics_->dead_lettered.load(), 5u);
  std::vector<dead_letter> parked;
  ASSERT_TRUE(dead_letters_->list(0, 10, &parked));
  ASSERT_EQ(parked.size(), 1u);
  EXPECT_EQ(parked[0].queue, "clicks");
  EXPECT_EQ(parked[0].attempts, 3u);
  EXPECT_NE(parked[0].error.find("injected write failure"), std::string::npos) << parked[0].error;

  sink_.fail_always(false);
  std::vector<envelope> batch;
  ASSERT_TRUE(decode_batch(parked[0].payload, &batch));
  caf::anon_send(queue_, redrive_atom::value, parked[0].id, batch);
  EXPECT_EQ(drain(), 5u);
  EXPECT_EQ(sink_.stored().size(), 5u);
  expect_no_duplicates();
  EXPECT_EQ(dead_letters_->size(), 0u);
}

TEST_F(ClickQueueTest, ARedriveAskedForTwiceWritesTheBatchOnce) {
  click_queue_options options;
  options.max_retries = 1;
  start(options);
  sink_.fail_always(true);
  caf::anon_send(queue_, enqueue_atom::value, clicks("iii", 0, 4));
  drain();
  std::vector<dead_letter> parked;
  ASSERT_TRUE(dead_letters_->list(0, 10, &parked));
  ASSERT_EQ(parked.size(), 1u);
  std::vector<envelope> batch;
  ASSERT_TRUE(decode_batch(parked[0].payload, &batch));

  sink_.fail_always(false);
  sink_.hold(true);  // the first redrive is still being written when the second arrives
  caf::anon_send(queue_, redrive_atom::value, parked[0].id, batch);
  caf::anon_send(queue_, redrive_atom::value, parked[0].id, batch);
  sink_.hold(false);
  EXPECT_EQ(drain(), 4u);
  EXPECT_EQ(sink_.stored().size(), 4u);
  expect_no_duplicates();
  EXPECT_EQ(dead_letters_->size(), 0u);
}

TEST_F(ClickQueueTest, RedirectsKeepEnqueuingWhileTheStoreFails) {
  click_queue_options options;
  options.max_retries = 2;
  start(options);
  sink_.fail_always(true);
  for (int i = 0; i < 50; ++i) caf::anon_send(queue_, enqueue_atom::value, clicks("x", i * 10, 10));
  drain();
  EXPECT_EQ(metrics_->enqueued.load(), 500u);
  EXPECT_EQ(metrics_->dead_lettered.load(), 500u);
  EXPECT_EQ(metrics_->shed.load(), 0u);
}

TEST_F(ClickQueueTest, CrashedWriterIsReplacedAndItsBatchRetried) {
  click_queue_options options;
  options.concurrency = 1;
  start(options);
  sink_.throw_next();
  caf::anon_send(queue_, enqueue_atom::value, clicks("iii", 0, 4));
  EXPECT_EQ(drain(), 4u);
  EXPECT_EQ(sink_.stored().size(), 4u);
  expect_no_duplicates();
  EXPECT_EQ(metrics_->writer_restarts.load(), 1u);
  EXPECT_TRUE(fatal_.empty());
}

TEST_F(ClickQueueTest, WritersCrashingPastTheLimitAreReportedAsFatal) {
  click_queue_options options;
  options.concurrency = 1;
  options.max_writer_restarts = 1;
  start(options);
  for (int i = 0; i < 2; ++i) {
    sink_.throw_next();
    caf::anon_send(queue_, enqueue_atom::value, clicks("iii", i * 10, 1));
    drain();
  }
  EXPECT_EQ(metrics_->writer_restarts.load(), 2u);
  EXPECT_NE(fatal_.find("click writers crashed"), std::string::npos) << fatal_;
}

TEST_F(ClickQueueTest, FullQueueShedsAndCountsWhatItDropped) {
  click_queue_options options;
  options.capacity = 100;
  options.concurrency = 1;
  options.max_batch = 10;
  start(options);
  sink_.hold(true);
  for (int i = 0; i < 25; ++i) caf::anon_send(queue_, enqueue_atom::value, clicks("x", i * 10, 10));
  ASSERT_TRUE(eventually([&] { return metrics_->enqueued + metrics_->shed == 250; }));
  EXPECT_EQ(metrics_->enqueued.load(), 100u);
  EXPECT_EQ(metrics_->shed.load(), 150u);
  sink_.hold(false);
  EXPECT_EQ(drain(), 100u);
  EXPECT_EQ(sink_.stored().size(), 100u);
}

// A writer starved in the background would let the queue fill until it
// sheds: past 1/8 of its capacity the writers run at the normal level, and
// go back once it is nearly empty.
TEST_F(ClickQueueTest, AFillingQueueRaisesItsWritersUntilItIsNearlyEmpty) {
  click_queue_options options;
  options.capacity = 64;  // raised at 8 clicks held, lowered at 1 or none
  options.concurrency = 1;
  options.max_batch = 4;
  start(options);
  sink_.hold(true);
  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 0, 2));
  ASSERT_TRUE(eventually([&] { return sink_.writer_tid() != 0; }));
  const pid_t writer = sink_.writer_tid();
  EXPECT_EQ(sched_getscheduler(writer), SCHED_IDLE);
  EXPECT_FALSE(metrics_->writers_raised.load());

  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 2, 14));
  ASSERT_TRUE(eventually([&] { return metrics_->writers_raised.load(); }));
  EXPECT_EQ(sched_getscheduler(writer), SCHED_OTHER);
  EXPECT_TRUE(click_path_threads().raised());

  sink_.hold(false);
  EXPECT_EQ(drain(), 16u);
  EXPECT_FALSE(metrics_->writers_raised.load());
  EXPECT_FALSE(click_path_threads().raised());
  EXPECT_EQ(sched_getscheduler(writer), SCHED_IDLE);
  EXPECT_EQ(metrics_->writer_raises.load(), 1u);
  EXPECT_EQ(metrics_->shed.load(), 0u);
}

TEST_F(ClickQueueTest, QueueFullInBytesShedsAndCountsLikeFullInClicks) {
  // Every click of clicks() has the same size, give or take a url digit.
  const std::size_t one = click_bytes(clicks("x", 100, 1)[0]);
  click_queue_options options;
  options.capacity = 1000;                      // not the bound here
  options.capacity_bytes = one * 30 + one / 2;  // room for 30 clicks of this size
  options.concurrency = 1;
  options.max_batch = 10;
  start(options);
  sink_.hold(true);
  for (int i = 0; i < 5; ++i) {
    caf::anon_send(queue_, enqueue_atom::value, clicks("x", 100 + i * 10, 10));
  }
  ASSERT_TRUE(eventually([&] { return metrics_->enqueued + metrics_->shed == 50; }));
  EXPECT_EQ(metrics_->enqueued.load(), 30u);
  EXPECT_EQ(metrics_->shed.load(), 20u);
  EXPECT_EQ(metrics_->depth_bytes.load(), one * 30);
  sink_.hold(false);
  EXPECT_EQ(drain(), 30u);
  EXPECT_EQ(sink_.stored().size(), 30u);
  EXPECT_EQ(metrics_->depth_bytes.load(), 0u);  // released as written

  // Written clicks free their bytes: the queue takes clicks again.
  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 200, 10));
  EXPECT_EQ(drain(), 40u);
  EXPECT_EQ(metrics_->shed.load(), 20u);
}

TEST_F(ClickQueueTest, AClickBiggerThanTheByteBoundIsShed) {
  click_queue_options options;
  options.capacity_bytes = 1024;
  start(options);
  click_recorded big;
  big.code = "x";
  big.url = "https://example.com/" + std::string(2048, 'p');
  caf::anon_send(queue_, enqueue_atom::value, std::vector<envelope>{make_click_envelope(big)});
  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 0, 1));
  ASSERT_TRUE(eventually([&] { return metrics_->enqueued + metrics_->shed == 2; }));
  EXPECT_EQ(metrics_->shed.load(), 1u);
  EXPECT_EQ(drain(), 1u);
}

TEST_F(ClickQueueTest, BatchesBySizeAndNeverFlushesAnEmptyBatch) {
  click_queue_options options;
  options.max_batch = 8;
  start(options);
  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 0, 20));
  EXPECT_EQ(drain(), 20u);
  EXPECT_EQ(metrics_->batches.load(), 3u);  // 8 + 8 + 4
  EXPECT_EQ(drain(), 20u);                  // draining an empty queue writes nothing
  EXPECT_EQ(metrics_->batches.load(), 3u);
}

TEST_F(ClickQueueTest, AWrittenBatchGivesItsPayloadBuffersBackToThePool) {
  auto payloads = std::make_shared<payload_pool>();
  click_queue_options options;
  options.max_batch = 8;
  start(options, payloads);
  auto sent = clicks("x", 0, 20);
  std::set<const char*> buffers;
  for (auto& c : sent) {
    c.payload.reserve(64);  // a heap buffer whatever the payload's size
    buffers.insert(c.payload.data());
  }
  caf::anon_send(queue_, enqueue_atom::value, std::move(sent));
  EXPECT_EQ(drain(), 20u);
  // Each batch is given back once nothing holds it, not when the queue stops.
  EXPECT_TRUE(eventually([&] { return payloads->size() == 20u; })) << payloads->size();
  std::vector<std::string> back;
  payloads->take(20, &back);
  for (const auto& b : back) EXPECT_EQ(buffers.count(b.data()), 1u);
  // What the log stored is whole: a buffer goes back only after its write.
  std::set<std::string> urls;
  for (const auto& e : sink_.stored()) {
    click_recorded c;
    ASSERT_TRUE(decode_click(e, &c));
    urls.insert(c.url);
  }
  EXPECT_EQ(urls.size(), 20u);
  EXPECT_EQ(urls.count("https://example.com/19"), 1u);
}

TEST_F(ClickQueueTest, AFailedBatchKeepsItsPayloadsUntilWritten) {
  auto payloads = std::make_shared<payload_pool>();
  click_queue_options options;
  options.max_batch = 4;
  options.max_retries = 5;
  start(options, payloads);
  sink_.fail_next(2);
  caf::anon_send(queue_, enqueue_atom::value, clicks("x", 0, 4));
  EXPECT_EQ(drain(), 4u);
  EXPECT_TRUE(eventually([&] { return payloads->size() == 4u; })) << payloads->size();
  for (const auto& e : sink_.stored()) {
    click_recorded c;
    EXPECT_TRUE(decode_click(e, &c)) << "a retried batch was written from given-back buffers";
  }
}

}  // namespace
}  // namespace linkly
