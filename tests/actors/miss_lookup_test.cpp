// miss_lookup: a redirect miss asked of the links stream on its own
// threads, within its bounds (in flight, rate), counted per result.

#include "actors/miss_lookup.hpp"

#include "tests/support/memory_stream_log.hpp"
#include "tests/support/stream_link_events.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

namespace linkly {
namespace {

using namespace std::chrono_literals;
using testing::memory_stream_log;
using testing::publish_link_event;

constexpr auto kWait = 10s;  // bounds every wait for a callback

// A memory stream whose reads of a subject's last record wait at a gate
// until the test opens it: a lookup held in flight, without timing.
class gated_stream : public memory_stream_log {
 public:
  status last_on_subject(std::string_view subject, stream_record* out) override {
    {
      std::unique_lock lock(mutex_);
      ++entered_;
      changed_.notify_all();
      changed_.wait(lock, [&] { return open_; });
    }
    return memory_stream_log::last_on_subject(subject, out);
  }
  bool wait_entered(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, kWait, [&] { return entered_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int entered_ = 0;
  bool open_ = false;
};

struct answer {
  miss_result result;
  link_info link;
};

// Submits `code` and returns the future of its callback; the future is
// invalid (and nothing will be called) when submit() refused.
std::future<answer> look_up(miss_lookup& lookups, std::string code, bool* taken) {
  auto promise = std::make_shared<std::promise<answer>>();
  std::future<answer> f = promise->get_future();
  *taken = lookups.submit(std::move(code), [promise](miss_result r, const link_info& link) {
    promise->set_value(answer{r, link});
  });
  return f;
}

TEST(MissLookupTest, ACodeInTheStreamIsFoundWithItsLink) {
  auto stream = std::make_shared<memory_stream_log>();
  const std::uint64_t seq =
      publish_link_event(*stream, link_created{"fresh", "https://fresh.example/"});
  miss_lookup lookups(stream, [] { return true; });
  bool taken = false;
  auto f = look_up(lookups, "fresh", &taken);
  ASSERT_TRUE(taken);
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  answer a = f.get();
  EXPECT_EQ(a.result, miss_result::found);
  EXPECT_EQ(a.link.url, "https://fresh.example/");
  EXPECT_EQ(a.link.incarnation, seq);
  EXPECT_EQ(lookups.counts().found, 1u);
}

TEST(MissLookupTest, ADeletedOrUnknownCodeIsAbsent) {
  auto stream = std::make_shared<memory_stream_log>();
  publish_link_event(*stream, link_created{"gone", "https://gone.example/"});
  publish_link_event(*stream, link_deleted{"gone"});
  miss_lookup lookups(stream, [] { return true; });
  for (const char* code : {"gone", "never"}) {
    bool taken = false;
    auto f = look_up(lookups, code, &taken);
    ASSERT_TRUE(taken);
    ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
    answer a = f.get();
    EXPECT_EQ(a.result, miss_result::absent) << code;
    EXPECT_TRUE(a.link.url.empty());
  }
  EXPECT_EQ(lookups.counts().absent, 2u);
  EXPECT_EQ(lookups.counts().found, 0u);
}

TEST(MissLookupTest, AFailingStreamAnswersFailed) {
  auto stream = std::make_shared<memory_stream_log>();
  publish_link_event(*stream, link_created{"abc", "https://a.example/"});
  stream->set_down(true);
  miss_lookup lookups(stream, [] { return true; });
  bool taken = false;
  auto f = look_up(lookups, "abc", &taken);
  ASSERT_TRUE(taken);
  ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f.get().result, miss_result::failed);
  EXPECT_EQ(lookups.counts().failed, 1u);
}

TEST(MissLookupTest, AStreamKnownUnreachableIsNotAsked) {
  auto stream = std::make_shared<gated_stream>();  // would hold any ask
  miss_lookup lookups(stream, [] { return false; });
  bool taken = true;
  auto f = look_up(lookups, "abc", &taken);
  EXPECT_FALSE(taken);
  EXPECT_EQ(lookups.counts().unreachable, 1u);
  stream->open();
}

TEST(MissLookupTest, LookupsBeyondMaxInFlightAreShed) {
  auto stream = std::make_shared<gated_stream>();
  publish_link_event(*stream, link_created{"abc", "https://a.example/"});
  miss_lookup_options options;
  options.threads = 1;
  options.max_in_flight = 2;
  miss_lookup lookups(
      stream, [] { return true; }, options);
  bool first = false, second = false, third = false;
  auto f1 = look_up(lookups, "abc", &first);
  auto f2 = look_up(lookups, "abc", &second);  // queued behind the held one
  ASSERT_TRUE(stream->wait_entered(1));
  auto f3 = look_up(lookups, "abc", &third);
  EXPECT_TRUE(first);
  EXPECT_TRUE(second);
  EXPECT_FALSE(third);
  EXPECT_EQ(lookups.counts().shed, 1u);
  stream->open();
  ASSERT_EQ(f1.wait_for(kWait), std::future_status::ready);
  ASSERT_EQ(f2.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f1.get().result, miss_result::found);
  EXPECT_EQ(f2.get().result, miss_result::found);
  // Room again once they are answered.
  bool again = false;
  auto f4 = look_up(lookups, "abc", &again);
  EXPECT_TRUE(again);
  ASSERT_EQ(f4.wait_for(kWait), std::future_status::ready);
}

TEST(MissLookupTest, LookupsBeyondTheRateAreShed) {
  auto stream = std::make_shared<memory_stream_log>();
  miss_lookup_options options;
  options.burst = 3;
  options.per_second = 0;  // no refill: the burst is all there is
  miss_lookup lookups(
      stream, [] { return true; }, options);
  std::vector<std::future<answer>> taken;
  for (int i = 0; i < 5; ++i) {
    bool ok = false;
    auto f = look_up(lookups, "c" + std::to_string(i), &ok);
    if (ok) taken.push_back(std::move(f));
  }
  EXPECT_EQ(taken.size(), 3u);
  EXPECT_EQ(lookups.counts().shed, 2u);
  for (auto& f : taken) ASSERT_EQ(f.wait_for(kWait), std::future_status::ready);
}

TEST(MissLookupTest, StopAnswersWhatIsStillQueued) {
  auto stream = std::make_shared<gated_stream>();
  miss_lookup_options options;
  options.threads = 1;
  auto lookups = std::make_unique<miss_lookup>(
      stream, [] { return true; }, options);
  bool first = false, second = false;
  auto f1 = look_up(*lookups, "a", &first);
  ASSERT_TRUE(stream->wait_entered(1));
  auto f2 = look_up(*lookups, "b", &second);
  ASSERT_TRUE(first && second);
  std::thread stopper([&] { lookups->stop(); });
  // The queued one is answered by stop() without asking; the held one
  // once its ask returns.
  ASSERT_EQ(f2.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f2.get().result, miss_result::failed);
  stream->open();
  stopper.join();
  ASSERT_EQ(f1.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(f1.get().result, miss_result::absent);
  bool after = true;
  look_up(*lookups, "c", &after);
  EXPECT_FALSE(after);
}

TEST(MissLookupTest, MetricsNameEveryResult) {
  auto stream = std::make_shared<memory_stream_log>();
  miss_lookup lookups(stream, [] { return false; });
  bool taken = true;
  look_up(lookups, "x", &taken);
  std::string text;
  lookups.append_metrics(&text);
  EXPECT_NE(text.find("# TYPE linkly_cluster_miss_lookups_total counter"), std::string::npos);
  for (const char* r : {"found", "absent", "shed", "failed"}) {
    EXPECT_NE(text.find(std::string("linkly_cluster_miss_lookups_total{result=\"") + r + "\"} 0"),
              std::string::npos)
        << r;
  }
  EXPECT_NE(text.find("linkly_cluster_miss_lookups_total{result=\"unreachable\"} 1"),
            std::string::npos);
}

}  // namespace
}  // namespace linkly
