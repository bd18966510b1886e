// Clicks written per second through the click queue into a real clicks log:
// producers hand over batches of 64 (as io threads do), the queue batches
// further and its writers append, fsync'd or not.
//
//   linkly_click_bench [--dir DIR] [--clicks N] [--producers P]

#include "actors/click_queue.hpp"
#include "bench/bench_support.hpp"
#include "schemas/click_events.hpp"

#include <CLI/CLI.hpp>
#include <caf/all.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

namespace {

using namespace linkly;

double run(const std::string& parent, bool sync, std::uint64_t total, std::size_t producers) {
  bench::scratch_dir dir(parent);
  auto log = bench::open_log(dir.path() + "/clicks", sync);
  std::unique_ptr<dead_letter_store> dead_letters;
  if (!dead_letter_store::open(dir.path() + "/dlq", {}, &dead_letters)) {
    throw std::runtime_error("cannot open dead-letter store");
  }
  caf::actor_system_config config;
  bench::configure_actor_system(config);
  caf::actor_system sys{config};
  auto metrics = std::make_shared<click_metrics>();
  click_queue_options options;
  options.capacity = total + 1;  // measure writing, not shedding
  options.capacity_bytes = SIZE_MAX;
  auto queue = spawn_click_queue(sys, options, log.get(), dead_letters.get(), metrics, nullptr);

  click_recorded click;
  click.code = "abc123";
  click.url = "https://example.com/some/landing/page";
  click.country = "DE";
  click.referrer = "https://news.example/";
  click.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  click.client_address = "203.0.113.0";
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::size_t p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      std::vector<envelope> batch;
      for (std::uint64_t i = p; i < total; i += producers) {
        click_recorded c = click;
        c.clicked_at_ms = static_cast<std::int64_t>(i);
        batch.push_back(make_click_envelope(c));
        if (batch.size() == 64)
          caf::anon_send(queue, enqueue_atom::value, std::exchange(batch, {}));
      }
      if (!batch.empty()) caf::anon_send(queue, enqueue_atom::value, std::move(batch));
    });
  }
  for (auto& t : threads) t.join();
  caf::scoped_actor self{sys};
  self->request(queue, std::chrono::minutes(5), drain_atom::value)
      .receive([](std::uint64_t) {}, [](caf::error&) {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (log->highest_seq() != total || metrics->written != total) {
    throw std::runtime_error("clicks lost: log holds " + std::to_string(log->highest_seq()));
  }
  caf::anon_send_exit(queue, caf::exit_reason::user_shutdown);
  return total / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"linkly click queue benchmark: clicks written per second"};
  std::string dir = "./bench-data";
  std::uint64_t clicks = 1'000'000;
  std::size_t producers = 2;
  app.add_option("--dir", dir, "scratch directory on the disk to measure");
  app.add_option("--clicks", clicks, "clicks to write per run")->check(CLI::PositiveNumber);
  app.add_option("--producers", producers, "threads handing clicks over")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);
  try {
    for (bool sync : {false, true}) {
      double rate = run(dir, sync, clicks, producers);
      std::printf("clicks through the queue, sync=%-5s: %9.0f /s (%lu clicks)\n",
                  sync ? "true" : "false", rate, static_cast<unsigned long>(clicks));
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "linkly_click_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
