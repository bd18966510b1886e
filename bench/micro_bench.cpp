// Micro-benchmarks of linkly's parts: log append (synced, batched), log
// replay, link-state recovery, read-view lookups against a round trip
// through an actor, and the JSON of a link.
//
//   linkly_micro_bench [--benchmark_filter=...]   (scratch data in $LINKLY_BENCH_DIR or
//   ./bench-data)

#include "actors/link_recovery.hpp"
#include "actors/read_view.hpp"
#include "bench/bench_support.hpp"
#include "http/link_json.hpp"
#include "schemas/bot_patterns.hpp"
#include "schemas/click_fields.hpp"

#include <benchmark/benchmark.h>
#include <boost/json/serialize.hpp>
#include <caf/all.hpp>

namespace {

using namespace linkly;

std::string bench_parent() {
  const char* dir = std::getenv("LINKLY_BENCH_DIR");
  return dir != nullptr ? dir : "./bench-data";
}

// Appends of range(0) events each, fsync'd (range(1) == 1) or not: what
// group commit amortises, and the ceiling without the fsync.
void BM_LogAppend(benchmark::State& state) {
  bench::scratch_dir dir(bench_parent());
  auto log = bench::open_log(dir.path(), /*sync=*/state.range(1) == 1);
  const std::size_t batch = static_cast<std::size_t>(state.range(0));
  std::uint64_t i = 0;
  for (auto _ : state) {
    std::vector<envelope> envs;
    for (std::size_t k = 0; k < batch; ++k, ++i) {
      envs.push_back(
          make_envelope(link_created{"c" + std::to_string(i), "https://example.com"}, 1));
    }
    append_result r;
    if (!log->append(envs, &r)) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(i));
}
BENCHMARK(BM_LogAppend)
    ->ArgNames({"batch", "sync"})
    ->Args({1, 1})
    ->Args({64, 1})
    ->Args({1, 0})
    ->Args({512, 0})
    ->UseRealTime();

// Reading and checking every record: the floor of any recovery.
void BM_LogReplay(benchmark::State& state) {
  bench::scratch_dir dir(bench_parent());
  auto log = bench::open_log(dir.path(), false);
  const auto events = static_cast<std::uint64_t>(state.range(0));
  bench::fill_links(*log, events);
  for (auto _ : state) {
    std::uint64_t seen = 0;
    auto st = log->replay(1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& e) {
      benchmark::DoNotOptimize(e.seq);
      ++seen;
      return true;
    });
    if (!st || seen != events) state.SkipWithError("replay failed");
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_LogReplay)->Arg(200'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// Replay + decode + apply into shard tables + publish to the read view:
// what start-up does.
void BM_RecoverLinks(benchmark::State& state) {
  bench::scratch_dir dir(bench_parent());
  auto log = bench::open_log(dir.path(), false);
  const auto events = static_cast<std::uint64_t>(state.range(0));
  bench::fill_links(*log, events);
  for (auto _ : state) {
    auto replay = std::make_unique<shard_replay>();
    auto view = std::make_unique<read_view>();
    if (!replay_links(*log, 4, kAllShards, replay.get())) state.SkipWithError("replay failed");
    publish_all_to_view(*replay, *view, 1);
    benchmark::DoNotOptimize(view->size());
    state.PauseTiming();  // start-up keeps what it built: tearing it down is not part of it
    replay.reset();
    view.reset();
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RecoverLinks)->Arg(200'000)->Unit(benchmark::kMillisecond)->UseRealTime();

// What a redirect pays to find its url.
void BM_ReadViewFindUrl(benchmark::State& state) {
  read_view view;
  const int n = 100'000;
  for (int i = 0; i < n; ++i) {
    view.upsert({"c" + std::to_string(i), "https://example.com/" + std::to_string(i), 1, 0, 0});
  }
  std::vector<std::string> codes;
  for (int i = 0; i < 1024; ++i) codes.push_back("c" + std::to_string((i * 7919) % n));
  std::string url;
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(view.find_url(codes[i++ & 1023], &url));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ReadViewFindUrl)->Threads(1)->Threads(2);

using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using resolver_actor =
    caf::typed_actor<caf::replies_to<resolve_atom, std::string>::with<std::string>>;

resolver_actor::behavior_type resolver(resolver_actor::pointer, const read_view* view) {
  return {[view](resolve_atom, const std::string& code) {
    std::string url;
    view->find_url(code, &url);
    return url;
  }};
}

// The same lookup asked of an actor from a thread outside the actor system,
// as an io thread would for every redirect without the read view: the
// hand-off both ways is what the read view saves.
void BM_LinkActorResolveRoundTrip(benchmark::State& state) {
  read_view view;
  for (int i = 0; i < 1000; ++i) {
    view.upsert({"c" + std::to_string(i), "https://example.com/" + std::to_string(i), 1, 0, 0});
  }
  caf::actor_system_config cfg;
  bench::configure_actor_system(cfg);
  caf::actor_system sys{cfg};
  auto actor = sys.spawn(resolver, &view);
  caf::scoped_actor self{sys};
  std::size_t i = 0;
  for (auto _ : state) {
    std::string code = "c" + std::to_string(i++ % 1000);
    self->request(actor, caf::infinite, resolve_atom::value, std::move(code))
        .receive([](std::string& url) { benchmark::DoNotOptimize(url.data()); },
                 [&](caf::error&) { state.SkipWithError("resolve failed"); });
  }
  state.SetItemsProcessed(state.iterations());
  self->send_exit(actor, caf::exit_reason::user_shutdown);
}
BENCHMARK(BM_LinkActorResolveRoundTrip)->UseRealTime();

// GET /links/{code}'s body: build the object and serialize it.
void BM_LinkJsonEncode(benchmark::State& state) {
  link_info link{"demo", "https://example.com/some/path?with=query", 3, 1'764'547'200'000,
                 1'764'633'600'000};
  for (auto _ : state) {
    std::string body = boost::json::serialize(link_json(link, "http://127.0.0.1:3111"));
    benchmark::DoNotOptimize(body.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LinkJsonEncode);

}  // namespace

// The potential-bot rule on User-Agents as capture keeps them (cut to
// kMaxUserAgentBytes): every redirect that records a click runs it once.
// range(0): 0 = a desktop Chrome (the common case: no pattern, whole string
// scanned), 1 = a mobile Safari, 2 = Googlebot (a match), 3 = curl.
void BM_PotentialBot(benchmark::State& state) {
  const std::string_view agents[] = {
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.0.0 Safari/537.36",
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
      "Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
      "curl/8.5.0",
  };
  const std::string_view ua =
      cut_utf8(agents[static_cast<std::size_t>(state.range(0))], kMaxUserAgentBytes);
  for (auto _ : state) {
    benchmark::DoNotOptimize(ua.data());
    benchmark::DoNotOptimize(is_potential_bot(ua));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PotentialBot)->ArgName("agent")->DenseRange(0, 3);

BENCHMARK_MAIN();
