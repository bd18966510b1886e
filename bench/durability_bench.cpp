// Durable creates through the link actors and the journal (group commit),
// and start-up time over a large links log.
//
//   linkly_durability_bench [--dir DIR] [--seconds S] [--startup-links N] [--json FILE]
//
// Creates are closed-loop: each client sends its next create when the
// previous one is acknowledged, i.e. durable (fsync'd) in the links log.

#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "bench/bench_support.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>

namespace {

using namespace linkly;
using clock_type = std::chrono::steady_clock;

struct create_run {
  std::size_t clients = 0;
  std::uint64_t acked = 0;
  std::uint64_t failed = 0;
  double seconds = 0;
  double per_second() const { return acked / seconds; }
};

// One closed-loop client: create, wait for the ack, create again.
struct client_loop {
  link_service* links;
  std::size_t id;
  clock_type::time_point deadline;
  std::atomic<std::uint64_t>* acked;
  std::atomic<std::uint64_t>* failed;
  std::atomic<std::size_t>* running;
  std::mutex* mutex;
  std::condition_variable* done;
  std::uint64_t n = 0;

  static void next(std::shared_ptr<client_loop> self) {
    if (clock_type::now() >= self->deadline) {
      std::lock_guard lock(*self->mutex);
      if (--*self->running == 0) self->done->notify_all();
      return;
    }
    std::string code = "b" + std::to_string(self->id) + "_" + std::to_string(self->n++);
    self->links->create({code, "https://example.com/" + code}, [self](command_reply r) {
      (r.code == command_errc::ok ? *self->acked : *self->failed) += 1;
      next(self);
    });
  }
};

create_run run_creates(const std::string& parent, std::size_t clients, double seconds) {
  bench::scratch_dir dir(parent);
  std::shared_ptr<event_log> log = bench::open_log(dir.path(), /*sync=*/true);
  std::unique_ptr<engine> eng;
  engine_options options;
  if (status st = engine::start(options, log, nullptr, &eng); !st) {
    throw std::runtime_error(st.to_string());
  }
  std::atomic<std::uint64_t> acked{0}, failed{0};
  std::atomic<std::size_t> running{clients};
  std::mutex mutex;
  std::condition_variable done;
  auto start = clock_type::now();
  auto deadline = start + std::chrono::duration_cast<clock_type::duration>(
                              std::chrono::duration<double>(seconds));
  for (std::size_t c = 0; c < clients; ++c) {
    auto loop = std::make_shared<client_loop>(
        client_loop{&eng->links(), c, deadline, &acked, &failed, &running, &mutex, &done});
    client_loop::next(loop);
  }
  {
    std::unique_lock lock(mutex);
    done.wait(lock, [&] { return running.load() == 0; });
  }
  create_run run;
  run.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  run.clients = clients;
  run.acked = acked;
  run.failed = failed;
  if (log->highest_seq() != run.acked) throw std::runtime_error("log holds a different count");
  eng->stop();
  return run;
}

struct startup_run {
  std::uint64_t links = 0;
  double open_ms = 0;     // opening the log (finds the head)
  double recover_ms = 0;  // replay into the link actors + read view, actors started
  double events_per_second = 0;
};

startup_run run_startup(const std::string& parent, std::uint64_t links) {
  bench::scratch_dir dir(parent);
  {
    auto log = bench::open_log(dir.path(), false);
    bench::fill_links(*log, links, 10'000);
  }
  startup_run run;
  run.links = links;
  auto t0 = clock_type::now();
  std::shared_ptr<event_log> log = bench::open_log(dir.path(), true);
  auto t1 = clock_type::now();
  std::unique_ptr<engine> eng;
  if (status st = engine::start(engine_options{}, log, nullptr, &eng); !st) {
    throw std::runtime_error(st.to_string());
  }
  auto t2 = clock_type::now();
  if (eng->recovery().links != links) throw std::runtime_error("recovered a different count");
  run.open_ms = std::chrono::duration<double, std::milli>(t1 - t0).count();
  run.recover_ms = std::chrono::duration<double, std::milli>(t2 - t1).count();
  run.events_per_second = links / (run.recover_ms / 1000.0);
  eng->stop();
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"linkly durability benchmark: durable creates/s and start-up time"};
  std::string dir = "./bench-data";
  double seconds = 5;
  std::uint64_t startup_links = 1'000'000;
  std::string json_path;
  app.add_option("--dir", dir, "scratch directory on the disk to measure (not tmpfs)");
  app.add_option("--seconds", seconds, "duration of each create run")->check(CLI::PositiveNumber);
  app.add_option("--startup-links", startup_links, "links in the log for the start-up run");
  app.add_option("--json", json_path, "also write the results as JSON here");
  CLI11_PARSE(app, argc, argv);

  try {
    std::vector<create_run> runs;
    for (std::size_t clients : {1, 64}) {
      runs.push_back(run_creates(dir, clients, seconds));
      const auto& r = runs.back();
      std::printf("durable creates, %3zu clients: %9.0f /s  (%lu acked, %lu failed, %.1f s)\n",
                  r.clients, r.per_second(), static_cast<unsigned long>(r.acked),
                  static_cast<unsigned long>(r.failed), r.seconds);
    }
    double ratio = runs[1].per_second() / runs[0].per_second();
    std::printf("group commit gain at 64 clients: %.1fx\n", ratio);
    startup_run s = run_startup(dir, startup_links);
    std::printf("start-up with %lu links: open %.1f ms, recover %.0f ms (%.2fM events/s)\n",
                static_cast<unsigned long>(s.links), s.open_ms, s.recover_ms,
                s.events_per_second / 1e6);
    if (!json_path.empty()) {
      std::ofstream out(json_path);
      out << "{\"creates_per_second_1_client\":" << runs[0].per_second()
          << ",\"creates_per_second_64_clients\":" << runs[1].per_second()
          << ",\"group_commit_gain\":" << ratio << ",\"startup_links\":" << s.links
          << ",\"startup_open_ms\":" << s.open_ms << ",\"startup_recover_ms\":" << s.recover_ms
          << ",\"replay_events_per_second\":" << s.events_per_second << "}\n";
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linkly_durability_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
