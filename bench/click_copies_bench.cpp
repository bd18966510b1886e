// Micro-benchmarks of one click's way from the io thread to the clicks log
// (part of linkly_micro_bench): what the io thread pays for one queued
// redirect (route, capture, spool, hand-off to its batcher), and what the
// click path pays to write one sealed batch of 512 clicks (the queue's
// hand-over to its writer, the append, the spool marks).
//
//   LINKLY_BENCH_DIR=/tmp/bench linkly_micro_bench --benchmark_filter='QueuedRedirect|Batch512'

#include "actors/click_queue.hpp"
#include "actors/click_service.hpp"
#include "actors/read_view.hpp"
#include "bench/bench_support.hpp"
#include "http/click_batcher.hpp"
#include "http/router.hpp"
#include "schemas/click_events.hpp"
#include "storage/click_spool.hpp"
#include "storage/dead_letter_store.hpp"

#include <benchmark/benchmark.h>
#include <caf/all.hpp>

#include <time.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace {

using namespace linkly;
namespace http = boost::beast::http;

// CPU seconds of every thread of the process so far: the queue's and its
// writer's work, which the benchmark's own (main) thread does not see.
double process_cpu_seconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string parent_dir() {
  const char* dir = std::getenv("LINKLY_BENCH_DIR");
  return dir != nullptr ? dir : "./bench-data";
}

// The batch size the click queue seals at (click_queue_options::max_batch).
constexpr std::size_t kBatch = 512;

// A click_service in queued mode that takes the batcher's batches and, every
// kBatch clicks, does what the clicks log's writer does to the spool (mark,
// done) outside the timing: only the io thread's share is measured.
class spooled_clicks : public click_service {
 public:
  spooled_clicks(std::shared_ptr<click_spool> spool, benchmark::State& state)
      : spool_(std::move(spool)), state_(state) {}

  click_mode mode() const override { return click_mode::queued; }
  const click_metrics& metrics() const override { return metrics_; }
  std::shared_ptr<click_spool> spool() const override { return spool_; }
  void submit(std::vector<envelope> clicks) override {
    for (auto& c : clicks) held_.push_back(std::move(c));
    if (held_.size() >= kBatch) finish();
  }
  void finish() {
    if (timed_) state_.PauseTiming();
    spool_->done(held_);
    held_.clear();
    if (timed_) state_.ResumeTiming();
  }
  // After the timed loop: no pausing.
  void untimed() { timed_ = false; }
  void write_now(std::vector<envelope>, std::function<void(reply_status)>) override {}
  void list_dead_letters(std::uint64_t, std::size_t,
                         std::function<void(dead_letter_page)>) override {}
  void redrive(std::optional<std::uint64_t>, std::function<void(redrive_reply)>) override {}
  void discard(std::uint64_t, std::function<void(reply_status)>) override {}
  bool drain(std::chrono::milliseconds) override { return true; }

 private:
  std::shared_ptr<click_spool> spool_;
  benchmark::State& state_;
  click_metrics metrics_;
  std::vector<envelope> held_;
  bool timed_ = true;
};

// Stands in for the session: owned by a shared_ptr, takes the answer.
struct fake_session : std::enable_shared_from_this<fake_session>, response_target {
  http_response response;
  std::size_t answered = 0;
  void deliver(http_response res) override {
    response = std::move(res);
    ++answered;
  }
};

// A GET redirect as a browser behind a CDN sends it.
http_request typical_request() {
  http_request req{http::verb::get, "/s/c4711", 11};
  req.set(http::field::host, "127.0.0.1");
  req.set("CF-IPCountry", "DE");
  req.set("CF-IPLatitude", "52.52");
  req.set("CF-IPLongitude", "13.405");
  req.set(http::field::referer, "https://news.example.org/article/12345");
  req.set(http::field::user_agent,
          "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
          "Safari/537.36");
  return req;
}

// One queued redirect on the io thread, as the session runs it: the route,
// the click captured from the request, spooled, and added to the thread's
// batcher (a batch of 64 handed to the click service).
void BM_QueuedRedirect(benchmark::State& state) {
  bench::scratch_dir dir(parent_dir());
  std::shared_ptr<click_spool> spool;
  if (!click_spool::open(dir.path() + "/spool", {}, &spool)) {
    state.SkipWithError("cannot open the spool");
    return;
  }
  read_view view;
  for (int i = 0; i < 10'000; ++i) {
    std::string code = "c" + std::to_string(i);
    view.upsert(
        {code, "https://example.com/some/landing/page?utm_source=newsletter&id=" + code, 1, 0, 0});
  }
  spooled_clicks clicks(spool, state);
  boost::asio::io_context io;
  router_context ctx;
  ctx.view = &view;
  ctx.clicks = &clicks;
  const std::string address = "203.0.113.0";
  const http_request req = typical_request();
  auto session = std::make_shared<fake_session>();
  {
    click_batcher batcher(io, clicks, {}, spool);
    request_info info{address, &batcher};
    for (auto _ : state) {
      // As the session makes its sender (session_read.cpp).
      handle_request(req, ctx,
                     response_sender(std::shared_ptr<response_target>(session->shared_from_this())),
                     info);
    }
    clicks.untimed();
    batcher.close();
  }
  clicks.finish();
  if (session->answered != static_cast<std::size_t>(state.iterations()) ||
      session->response.result() != http::status::found)
    state.SkipWithError("not every redirect was answered 302");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueuedRedirect);

// The clicks log writer's append of one sealed batch of 512 spooled clicks
// (not fsync'd: the encoding and the copies, not the disk), with the spool
// marks under the log's lock and the spool's done after it.
void BM_LogAppendBatch512(benchmark::State& state) {
  bench::scratch_dir dir(parent_dir());
  auto log = bench::open_log(dir.path() + "/clicks", /*sync=*/false);
  std::shared_ptr<click_spool> spool;
  if (!click_spool::open(dir.path() + "/spool", {}, &spool)) {
    state.SkipWithError("cannot open the spool");
    return;
  }
  std::vector<envelope> batch(kBatch, make_click_envelope(bench::typical_click()));
  click_spool::writer w(spool);
  for (auto& e : batch) w.append(e);
  before_write_hook mark = [&spool](const std::vector<envelope>& clicks, std::uint64_t first_seq) {
    spool->mark(clicks, first_seq);
  };
  for (auto _ : state) {
    append_result r;
    if (!log->append(batch, &r, &mark)) state.SkipWithError("append failed");
    spool->done(batch);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_LogAppendBatch512)->Unit(benchmark::kMicrosecond);

// 512 clicks through the click queue actor, from the hand-over of eight io
// thread batches of 64 to the drain that says they are written: the queue's
// hold of the batch, its hand-over to a writer and the append (not
// fsync'd). Wall time: the queue and its writer run on their own threads.
void BM_ClickQueueBatch512(benchmark::State& state) {
  bench::scratch_dir dir(parent_dir());
  auto log = bench::open_log(dir.path() + "/clicks", /*sync=*/false);
  std::unique_ptr<dead_letter_store> dead_letters;
  if (!dead_letter_store::open(dir.path() + "/dlq", {}, &dead_letters)) {
    state.SkipWithError("cannot open the dead-letter store");
    return;
  }
  caf::actor_system_config config;
  bench::configure_actor_system(config);
  caf::actor_system sys{config};
  auto metrics = std::make_shared<click_metrics>();
  click_queue_options options;
  options.max_batch = kBatch;
  auto queue = spawn_click_queue(sys, options, log.get(), dead_letters.get(), metrics, nullptr);
  const envelope proto = make_click_envelope(bench::typical_click());
  caf::scoped_actor self{sys};
  double cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::vector<envelope>> parts(kBatch / 64, std::vector<envelope>(64, proto));
    state.ResumeTiming();
    const double began = process_cpu_seconds();
    for (auto& part : parts) caf::anon_send(queue, enqueue_atom::value, std::move(part));
    self->request(queue, std::chrono::minutes(1), drain_atom::value)
        .receive([](std::uint64_t) {},
                 [&](caf::error&) { state.SkipWithError("the queue did not drain"); });
    cpu += process_cpu_seconds() - began;
  }
  // The figure to compare: CPU of all threads per batch (the queue actor,
  // its writer, LevelDB's), in microseconds.
  state.counters["cpu_us_per_batch"] = cpu * 1e6 / static_cast<double>(state.iterations());
  if (metrics->written != static_cast<std::uint64_t>(state.iterations()) * kBatch)
    state.SkipWithError("clicks lost");
  caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kBatch));
}
BENCHMARK(BM_ClickQueueBatch512)->Unit(benchmark::kMicrosecond)->UseRealTime();

}  // namespace
