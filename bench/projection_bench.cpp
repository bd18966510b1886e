// Projections: how fast a rebuild (replay_projection, as `linkly replay`
// runs it) folds generated logs into the in-memory projections, in events/s
// - N link events into the cache and analytics, and N clicks spread
// uniformly and Zipf-skewed over N links into analytics - and how long
// writing and loading the snapshot take after it; how long start-up takes
// with N links (whole log vs cache snapshot + tail); and how far analytics
// lags the clicks log while clicks arrive at a redirect-like rate.
//
//   linkly_projection_bench [--dir DIR] [--links N] [--clicks N] [--click-rate R]
//                           [--seconds S] [--skip-lag]

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/engine.hpp"
#include "actors/link_recovery.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_status.hpp"
#include "actors/projection_store.hpp"
#include "actors/read_view.hpp"
#include "bench/bench_support.hpp"
#include "schemas/click_events.hpp"
#include "storage/dead_letter_store.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <random>
#include <thread>

namespace {

using namespace linkly;
using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

std::shared_ptr<projection_store> open_store(const std::string& dir,
                                             std::unique_ptr<projection> proj) {
  std::unique_ptr<projection_store> store;
  if (status st = projection_store::open(dir, {}, std::move(proj), &store); !st) {
    throw std::runtime_error(st.to_string());
  }
  return store;
}

std::shared_ptr<projection_store> open_cache(const std::string& dir) {
  return open_store(dir, std::make_unique<cache_projection>());
}

std::shared_ptr<projection_store> open_analytics(const std::string& dir) {
  return open_store(dir, std::make_unique<analytics_projection>());
}

// Which link a click goes to: uniform over all links (the worst case for
// per-link counters), or Zipf-skewed (s = 1) as real traffic is.
class link_picker {
 public:
  link_picker(std::uint64_t links, bool zipf) : links_(links) {
    if (!zipf) return;
    cdf_.reserve(links);
    double sum = 0;
    for (std::uint64_t k = 1; k <= links; ++k) cdf_.push_back(sum += 1.0 / static_cast<double>(k));
    for (double& x : cdf_) x /= sum;
  }
  std::uint64_t pick(std::uint64_t i) {
    if (cdf_.empty()) return (i * 7919) % links_;
    double u = std::uniform_real_distribution<double>(0, 1)(rng_);
    return static_cast<std::uint64_t>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::uint64_t links_;
  std::vector<double> cdf_;
  std::mt19937_64 rng_{42};
};

click_recorded sample_click(std::uint64_t i, std::uint64_t link) {
  click_recorded c;
  c.code = "c" + std::to_string(link);
  c.clicked_at_ms = 1'700'000'000'000 + static_cast<std::int64_t>(i) * 1000;
  c.url = "https://example.com/landing";
  c.country = i % 3 ? "DE" : "US";
  c.referrer = i % 2 ? "https://news.example/a" : "";
  c.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  c.client_address = "203.0.113.0";
  return c;
}

void fill_clicks(event_log& log, std::uint64_t count, link_picker& picker) {
  std::vector<envelope> envs;
  for (std::uint64_t i = 0; i < count; ++i) {
    envs.push_back(make_click_envelope(sample_click(i, picker.pick(i))));
    if (envs.size() == 1000 || i + 1 == count) {
      append_result r;
      if (status st = log.append(envs, &r); !st) throw std::runtime_error(st.to_string());
      envs.clear();
    }
  }
}

// Folds the logs into `store` (timed: events/s), then writes its snapshot
// and loads it into a fresh store (timed each).
void rebuild(const char* what, projection_store& store, const event_log& links,
             const event_log* clicks, const std::function<std::unique_ptr<projection>()>& make) {
  auto began = clock_type::now();
  std::uint64_t applied = 0;
  if (status st =
          replay_projection(store, links, clicks, kToHead, kToHead, kRebuildBatchEvents, &applied);
      !st) {
    throw std::runtime_error(st.to_string());
  }
  const double s = seconds_since(began);
  auto saving = clock_type::now();
  if (status st = store.save(); !st) throw std::runtime_error(st.to_string());
  const double saved = seconds_since(saving);
  std::error_code ec;
  const auto bytes = std::filesystem::file_size(store.dir() + "/snapshot", ec);
  auto loading = clock_type::now();
  {
    projection_store_options options;
    options.create_if_missing = false;
    std::unique_ptr<projection_store> loaded;
    // The store's lock is this process's: a copy of the snapshot is loaded.
    const std::string copy = store.dir() + "-load";
    std::filesystem::create_directories(copy);
    std::filesystem::copy_file(store.dir() + "/snapshot", copy + "/snapshot",
                               std::filesystem::copy_options::overwrite_existing);
    loading = clock_type::now();
    if (status st = projection_store::open(copy, options, make(), &loaded); !st) {
      throw std::runtime_error(st.to_string());
    }
  }
  const double loaded = seconds_since(loading);
  std::printf(
      "replay %-36s %9lu events in %6.2f s: %10.0f events/s; snapshot %6.1f MB written "
      "in %.2f s, loaded in %.2f s\n",
      what, static_cast<unsigned long>(applied), s, applied / s, static_cast<double>(bytes) / 1e6,
      saved, loaded);
}

void startup(const event_log& links, const projection_store& cache, std::uint64_t tail) {
  const std::uint64_t n = links.highest_seq() - tail;
  {
    auto began = clock_type::now();
    auto replay = std::make_unique<shard_replay>();
    auto view = std::make_unique<read_view>();
    if (!replay_links(links, 4, kAllShards, replay.get())) throw std::runtime_error("replay");
    publish_all_to_view(*replay, *view, 2);
    std::printf("start-up, %lu links, whole log replayed:        %6.2f s\n",
                static_cast<unsigned long>(n), seconds_since(began));
  }
  {
    auto began = clock_type::now();
    auto replay = std::make_unique<shard_replay>();
    auto view = std::make_unique<read_view>();
    if (!load_cache_snapshot(cache, 4, replay.get())) throw std::runtime_error("snapshot");
    double loaded = seconds_since(began);
    if (!replay_links_tail(links, kAllShards, replay.get())) throw std::runtime_error("tail");
    publish_all_to_view(*replay, *view, 2);
    std::printf("start-up, %lu links, snapshot + %lu-event tail: %6.2f s (snapshot %.2f s)\n",
                static_cast<unsigned long>(n), static_cast<unsigned long>(replay->events),
                seconds_since(began), loaded);
  }
}

// Clicks enter the click queue at `rate` per second, in batches of 64 as
// io threads hand them over; every 10 ms the analytics lag is sampled.
void lag_under_load(const std::string& dir, double rate, double seconds) {
  log_options lo;
  lo.sync = false;
  auto open_log = [&](const std::string& name) {
    std::unique_ptr<event_log> log;
    if (status st = event_log::open(dir + "/" + name, lo, &log); !st) {
      throw std::runtime_error(st.to_string());
    }
    return std::shared_ptr<event_log>(std::move(log));
  };
  auto links_log = open_log("links");
  bench::fill_links(*links_log, 1000);
  projection_stores stores;
  lo.batch_records = true;  // as linkly's clicks log
  stores.clicks_log = open_log("clicks");
  std::unique_ptr<dead_letter_store> dlq;
  if (!dead_letter_store::open(dir + "/dlq", {}, &dlq)) throw std::runtime_error("dlq");
  stores.dead_letters = std::move(dlq);
  stores.cache = open_cache(dir + "/cache");
  stores.analytics = open_analytics(dir + "/analytics");
  engine_options options;
  options.clicks.queue.capacity = 10'000'000;
  options.clicks.queue.capacity_bytes = SIZE_MAX;  // no shedding either way
  std::unique_ptr<engine> eng;
  click_stores clicks{stores.clicks_log, stores.dead_letters};
  if (status st = engine::start(options, links_log, clicks, stores, nullptr, &eng); !st) {
    throw std::runtime_error(st.to_string());
  }
  auto lag = [&] {
    for (const auto& s : eng->projections()) {
      if (s.name != "analytics") continue;
      for (const auto& p : s.positions) {
        if (p.log == "clicks") return p.head - p.checkpoint;
      }
    }
    return std::uint64_t{0};
  };
  std::vector<std::uint64_t> samples;
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    while (!done) {
      samples.push_back(lag());
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });
  const auto began = clock_type::now();
  const auto interval = std::chrono::duration<double>(64.0 / rate);
  std::uint64_t sent = 0;
  for (auto next = began; seconds_since(began) < seconds;) {
    std::vector<envelope> batch;
    for (int i = 0; i < 64; ++i, ++sent) {
      batch.push_back(make_click_envelope(sample_click(sent, sent % 1000)));
    }
    eng->clicks()->submit(std::move(batch));
    next += std::chrono::duration_cast<clock_type::duration>(interval);
    std::this_thread::sleep_until(next);
  }
  double offered = seconds_since(began);
  eng->clicks()->drain(std::chrono::seconds(60));
  auto drained = clock_type::now();
  while (lag() > 0 && seconds_since(drained) < 60) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  double catch_up_ms = seconds_since(drained) * 1000;
  done = true;
  sampler.join();
  std::sort(samples.begin(), samples.end());
  auto pct = [&](double q) {
    return samples.empty() ? 0
                           : samples[std::min(samples.size() - 1, std::size_t(q * samples.size()))];
  };
  std::printf(
      "analytics lag at %.0f clicks/s for %.1f s (%lu clicks): p50 %lu, p99 %lu, max %lu "
      "events (= %.1f / %.1f ms of clicks); caught up %.1f ms after the last write\n",
      sent / offered, offered, static_cast<unsigned long>(sent),
      static_cast<unsigned long>(pct(0.5)), static_cast<unsigned long>(pct(0.99)),
      static_cast<unsigned long>(samples.empty() ? 0 : samples.back()), pct(0.99) / rate * 1000,
      (samples.empty() ? 0 : samples.back()) / rate * 1000, catch_up_ms);
  eng->stop();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"linkly projection benchmark: replay rate, start-up time, projection lag"};
  std::string dir = "./bench-data";
  std::uint64_t links = 1'000'000;
  std::uint64_t clicks = 1'000'000;
  double click_rate = 50'000;
  double seconds = 5;
  app.add_option("--dir", dir, "scratch directory on the disk to measure");
  app.add_option("--links", links, "links in the log")->check(CLI::PositiveNumber);
  app.add_option("--clicks", clicks, "clicks in the log for the analytics replay");
  app.add_option("--click-rate", click_rate, "clicks/s offered in the lag run")
      ->check(CLI::PositiveNumber);
  app.add_option("--seconds", seconds, "length of the lag run")->check(CLI::PositiveNumber);
  bool skip_lag = false;
  app.add_flag("--skip-lag", skip_lag, "rebuilds and start-up only");
  // One rebuild alone, so that a profiler sees only it.
  std::string only;
  app.add_option("--only", only, "run only this rebuild (no start-up, no lag run)")
      ->check(CLI::IsMember({"cache", "links", "uniform", "zipf"}));
  CLI11_PARSE(app, argc, argv);
  auto runs = [&](std::string_view name) { return only.empty() || only == name; };
  try {
    bench::scratch_dir scratch(dir);
    auto links_log = bench::open_log(scratch.path() + "/links", false);
    bench::fill_links(*links_log, links);
    auto make_cache = [] { return std::unique_ptr<projection>(new cache_projection()); };
    auto make_analytics = [] { return std::unique_ptr<projection>(new analytics_projection()); };
    auto cache = open_cache(scratch.path() + "/cache");
    if (runs("cache")) rebuild("cache (links log)", *cache, *links_log, nullptr, make_cache);
    if (runs("links")) {
      auto analytics = open_analytics(scratch.path() + "/analytics-links");
      rebuild("analytics (links log)", *analytics, *links_log, nullptr, make_analytics);
    }
    for (bool zipf : {false, true}) {
      const std::string name = zipf ? "zipf" : "uniform";
      if (!runs(name)) continue;
      auto clicks_log = bench::open_log(scratch.path() + "/clicks-" + name, false, true);
      link_picker picker(links, zipf);
      fill_clicks(*clicks_log, clicks, picker);
      auto empty_links = bench::open_log(scratch.path() + "/no-links-" + name, false);
      auto analytics = open_analytics(scratch.path() + "/analytics-" + name);
      rebuild(zipf ? "analytics (clicks, Zipf over links)" : "analytics (clicks, uniform)",
              *analytics, *empty_links, clicks_log.get(), make_analytics);
    }
    if (!only.empty()) return 0;
    const std::uint64_t tail = 1000;
    {
      std::vector<envelope> more;
      for (std::uint64_t i = 0; i < tail; ++i) {
        more.push_back(
            make_envelope(link_updated{"c" + std::to_string(i), "https://t.example"}, 2));
      }
      append_result r;
      if (status st = links_log->append(more, &r); !st) throw std::runtime_error(st.to_string());
    }
    startup(*links_log, *cache, tail);
    if (!skip_lag) {
      bench::scratch_dir lag_dir(dir);
      lag_under_load(lag_dir.path(), click_rate, seconds);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linkly_projection_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
