// Micro-benchmarks of the click spool (part of linkly_micro_bench): what a
// redirect pays to spool its click, beside what it already pays to build the
// click's envelope.

#include "bench/bench_support.hpp"
#include "schemas/click_events.hpp"
#include "storage/click_spool.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace linkly;

// The redirect path's share: make_click_envelope, for scale.
void BM_ClickEnvelope(benchmark::State& state) {
  const click_recorded c = bench::typical_click();
  for (auto _ : state) benchmark::DoNotOptimize(make_click_envelope(c));
}
BENCHMARK(BM_ClickEnvelope);

// One click spooled by an io thread's writer, segment roll-overs included;
// each 512 clicks are marked and done as the clicks log's writer would, so
// sealed segments are deleted as in a server.
void BM_SpoolAppend(benchmark::State& state) {
  const char* parent = std::getenv("LINKLY_BENCH_DIR");
  bench::scratch_dir dir(parent != nullptr ? parent : "./bench-data");
  std::shared_ptr<click_spool> spool;
  if (!click_spool::open(dir.path() + "/spool", {}, &spool)) {
    state.SkipWithError("cannot open the spool");
    return;
  }
  const envelope proto = make_click_envelope(bench::typical_click());
  std::vector<envelope> batch;
  batch.reserve(512);
  std::uint64_t seq = 0;
  {
    click_spool::writer w(spool);
    for (auto _ : state) {
      envelope e = proto;
      w.append(e);
      batch.push_back(std::move(e));
      if (batch.size() == 512) {
        state.PauseTiming();  // the writer thread's work, not the redirect's
        spool->mark(batch, seq + 1);
        seq += batch.size();
        spool->done(batch);
        batch.clear();
        state.ResumeTiming();
      }
    }
    spool->done(batch);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SpoolAppend);

// What a segment roll-over would cost the io thread without the background
// thread: a new 4 MiB file (fallocate, mmap) and its first click, then the
// old one sealed and, its click done, deleted (unlink).
void BM_SpoolSegmentWithoutBackground(benchmark::State& state) {
  const char* parent = std::getenv("LINKLY_BENCH_DIR");
  bench::scratch_dir dir(parent != nullptr ? parent : "./bench-data");
  std::shared_ptr<click_spool> spool;
  spool_options opts;
  opts.background_files = false;
  if (!click_spool::open(dir.path() + "/spool", opts, &spool)) {
    state.SkipWithError("cannot open the spool");
    return;
  }
  const envelope proto = make_click_envelope(bench::typical_click());
  click_spool::writer w(spool);
  for (auto _ : state) {
    std::vector<envelope> one{proto};
    w.append(one[0]);
    w.seal();
    spool->done(one);
  }
}
BENCHMARK(BM_SpoolSegmentWithoutBackground)->Unit(benchmark::kMicrosecond);

}  // namespace
