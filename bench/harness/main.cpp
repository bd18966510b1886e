// linkly-bench: redirect latency and throughput of linkly as a client sees
// them, against nginx as the physical baseline, with every answer checked.

#include "bench/harness/report.hpp"
#include "bench/harness/scenarios.hpp"
#include "bench/harness/stop_signal.hpp"

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace {

namespace fs = std::filesystem;
using linkly::bench::bench_settings;

std::string self_dir() {
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : self.parent_path().string();
}

std::string default_nginx() {
  for (const char* path : {"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

bool write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  return static_cast<bool>(out);
}

// A fresh directory for the servers' data, removed on the way out.
struct work_area {
  fs::path path;
  bool keep = false;
  ~work_area() {
    if (keep || path.empty()) return;
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

int main(int argc, char** argv) {
  bench_settings s;
  s.linkly_binary = (fs::path(self_dir()) / "../app/linkly").lexically_normal().string();
  s.nginx_binary = default_nginx();

  CLI::App app{
      "linkly-bench: redirect latency and throughput of linkly, open and closed loop.\n\n"
      "It starts what it measures on 127.0.0.1, each with its own data directory: a `linkly "
      "serve` preloaded with --links links (through POST /links, once, then copied per "
      "scenario) and, when installed, an nginx answering `return 302` as the physical "
      "baseline. The server under test is pinned to CPU 0 and the load generator (one thread) "
      "to CPU 1; linkly runs with --http-io-threads 1 and its defaults otherwise (no LINKLY_* "
      "variable of the caller reaches it). Open-loop "
      "latency counts from when each request was due (coordinated omission corrected). Every "
      "302's Location is checked, and linkly's written clicks (/metrics) must equal the "
      "redirects it answered. Exit status 1 when any check fails.\n\n"
      "The suite judges its goals from its own runs: queued max >= 0.8x nginx's and >= 0.9x "
      "clicks-off's (each max the mean of --max-rounds interleaved closed-loop runs), zero lost "
      "clicks in every run, queued's p99 at half its max <= 1.5x "
      "nginx's at the same offered rate and <= --p99-target-us, and at --low-rate <= 1.5x "
      "nginx's there. A p99 point whose load generator lagged (--generator-lag-share) is "
      "unmeasurable, never met (missed if over its bound by more than that lag); so is a "
      "throughput ratio whose baseline max was the "
      "generator's, or whose max runs the machine's other load held down (a server under 50% "
      "of its core), and any goal resting on a run in which other work took over 10% of the "
      "server's or the generator's pinned core (the `other CPU` column, "
      "--foreign-cpu-share).\n\n"
      "Standard suite (about 4 min on 2 cores): linkly-bench suite --out bench/results --plot\n"
      "A base build against this one: linkly-bench compare --base OLD/linkly --rounds 6"};
  app.require_subcommand(0, 1);
  app.fallthrough();

  std::string out_dir, name = "redirect-suite", distribution = "uniform", work_dir;
  bool plot = false, no_pin = false, keep_work = false, tiny = false;
  auto* linkly_opt =
      app.add_option("--linkly", s.linkly_binary, "the linkly binary")->capture_default_str();
  app.add_option("--nginx", s.nginx_binary,
                 "nginx binary for the baseline; empty skips it (found in /usr/sbin by default)")
      ->capture_default_str();
  (void)linkly_opt;
  auto* links = app.add_option("--links", s.links, "links preloaded into linkly")
                    ->check(CLI::Range(1ULL, 100'000'000ULL))
                    ->capture_default_str();
  app.add_option("--distribution", distribution, "how redirects pick codes")
      ->check(CLI::IsMember({"uniform", "zipf"}))
      ->capture_default_str();
  app.add_option("--zipf-exponent", s.zipf_exponent, "skew of --distribution zipf")
      ->check(CLI::Range(0.0, 5.0))
      ->capture_default_str();
  auto* conns = app.add_option("--connections", s.connections, "keep-alive connections")
                    ->check(CLI::Range(1, 4096))
                    ->capture_default_str();
  std::int64_t warmup_ms = s.warmup.count(), duration_ms = s.duration.count(),
               drain_ms = s.drain_timeout.count();
  auto* warmup = app.add_option("--warmup-ms", warmup_ms,
                                "warm-up before each run's measured window (discarded)")
                     ->check(CLI::Range(0, 600'000))
                     ->capture_default_str();
  auto* duration = app.add_option("--duration-ms", duration_ms, "measured window of each run")
                       ->check(CLI::Range(10, 3'600'000))
                       ->capture_default_str();
  app.add_option("--drain-timeout-ms", drain_ms,
                 "after a run, wait this long for answers still owed (then count them as "
                 "unanswered)")
      ->check(CLI::Range(100, 600'000))
      ->capture_default_str();
  auto* fractions = app.add_option("--fractions", s.fractions,
                                   "open-loop rates of the suite, as fractions of each "
                                   "scenario's closed-loop max")
                        ->check(CLI::Range(0.001, 2.0))
                        ->delimiter(',')
                        ->capture_default_str();
  app.add_option("--low-rate", s.low_rate,
                 "fixed open-loop rate (req/s) every scenario of the suite also runs at, the "
                 "low-load point of the goals; 0: none")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("--generator-lag-share", s.generator_lag_share,
                 "a p99 point whose load generator noticed due requests later than this share "
                 "of the bound it is judged against (at p99) is unmeasurable")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--foreign-cpu-share", s.foreign_core_share,
                 "a run in which other work took more than this share of the server's or the "
                 "generator's pinned core (the other CPU column) proves nothing for the goals")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  std::int64_t spin_us = s.pacer_spin.count();
  app.add_option("--spin-us", spin_us,
                 "open loop: once the next request is due within this many us the load "
                 "generator polls instead of sleeping (a sleeping thread's wake-up on a VM "
                 "would be in the latencies; spinning costs its core, and on a machine busy with "
                 "other work makes the lag worse); 0: always sleep")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  auto* sweep_steps =
      app.add_option("--sweep-steps", s.sweep_steps,
                     "bisection steps of the search for the highest queued rate with p99 under "
                     "--p99-target-us (0: no search)")
          ->check(CLI::Range(0, 20))
          ->capture_default_str();
  app.add_option("--p99-target-us", s.p99_target_us, "p99 the sweep and the goals aim for")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  double create_percent = s.mixed_create_share * 100;
  app.add_option("--mixed-create-percent", create_percent,
                 "share of POST /links creates in the mixed workload")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  app.add_option("--mixed-fraction", s.mixed_fraction,
                 "rate of the mixed workload, as a fraction of the queued max")
      ->check(CLI::Range(0.001, 2.0))
      ->capture_default_str();
  app.add_option("--scenarios", s.scenarios,
                 "the suite's scenarios: linkly with clicks queued, inline or off, the nginx "
                 "baseline, and mixed (queued, 1% creates by default)")
      ->check(CLI::IsMember(linkly::bench::scenario_names()))
      ->delimiter(',')
      ->capture_default_str();
  auto* max_rounds =
      app.add_option("--max-rounds", s.max_rounds,
                     "suite: closed-loop max runs of queued, off and nginx, interleaved (each "
                     "round runs each once, the order rotated); a scenario's max is the mean of "
                     "its undisturbed rounds. 1: one max run each, at the start of its curve")
          ->check(CLI::Range(1, 20))
          ->capture_default_str();
  app.add_option("--seed", s.seed, "seed of the code picks")->capture_default_str();
  app.add_option("--linkly-arg", s.linkly_args,
                 "extra argument for every `linkly serve` (repeatable), e.g. "
                 "--linkly-arg=--clicks-sync=false");
  app.add_option("--link-fields", s.link_fields,
                 "JSON members added to every POST /links body, e.g. "
                 "'\"max_visits\":1000000000,\"valid_until\":\"2099-01-01T00:00:00Z\"' "
                 "(redirects then check those attributes)");
  app.add_option("--redirect-query", s.redirect_query,
                 "query string (no '?') added to every redirect, e.g. utm_source=bench; a "
                 "Location with or without it forwarded passes the check");
  app.add_option("--server-cpu", s.server_cpu, "CPU the server under test is pinned to")
      ->capture_default_str();
  app.add_option("--bench-cpu", s.bench_cpu, "CPU the load generator is pinned to")
      ->capture_default_str();
  app.add_flag("--no-pin", no_pin, "pin nothing (server and load generator share the cores)");
  app.add_option("--work-dir", work_dir,
                 "where data directories go (default: a fresh directory under $TMPDIR or "
                 "/tmp, removed at the end)");
  app.add_flag("--keep-work", keep_work, "keep the data directories and server logs");
  app.add_option("--out", out_dir, "write NAME.json and NAME.md (and NAME.png) here");
  app.add_option("--name", name, "base name of the files in --out")->capture_default_str();
  app.add_flag("--plot", plot,
               "with --out: NAME.png of latency percentiles against offered "
               "rate per scenario (gnuplot, pngcairo)");
  app.add_flag("--tiny", tiny,
               "a seconds-long smoke run: 200 links, 4 connections, 100 ms warm-up + 300 ms "
               "runs, fractions 0.5, one sweep step (explicit options still win)");

  auto* suite_cmd = app.add_subcommand(
      "suite",
      "the standard suite (the default): queued, inline, off, then nginx, each with a "
      "closed-loop max run, open-loop runs at --fractions of it and one at --low-rate; nginx "
      "also at the offered rate of queued's run nearest 50%; the p99 sweep for queued, and "
      "mixed at --mixed-fraction of the queued max; then the goals");
  std::string scenario = "queued";
  double rate = 0;
  auto* run_cmd = app.add_subcommand("run", "one scenario, once");
  run_cmd
      ->add_option("--scenario", scenario,
                   "queued, inline, off (linkly with that clicks mode), nginx (the baseline) or "
                   "mixed (queued, with --mixed-create-percent creates)")
      ->check(CLI::IsMember(linkly::bench::scenario_names()))
      ->capture_default_str();
  run_cmd->add_option("--rate", rate, "open-loop requests/s; 0 runs a closed loop (max)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  linkly::bench::compare_options compare;
  auto* compare_cmd = app.add_subcommand(
      "compare",
      "one closed-loop scenario against a base build and this one, alternated for --rounds "
      "rounds: the base with plain links and no query, this build with --link-fields and "
      "--redirect-query; the goal is the ratio of their mean max rates");
  compare_cmd->add_option("--base", compare.base_binary, "the base build's linkly binary")
      ->required()
      ->check(CLI::ExistingFile);
  compare_cmd->add_option("--scenario", compare.scenario, "queued, inline or off")
      ->check(CLI::IsMember({"queued", "inline", "off"}))
      ->capture_default_str();
  compare_cmd->add_option("--rounds", compare.rounds, "max runs of each build")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  compare_cmd->add_option("--this-arg", compare.this_args,
                          "extra argument for this build's `linkly serve` only (repeatable), "
                          "e.g. --this-arg=--cluster-node=bench");
  compare_cmd
      ->add_option("--least-ratio", compare.least_ratio, "this build's max / the base's, at least")
      ->check(CLI::Range(0.0, 10.0))
      ->capture_default_str();
  (void)suite_cmd;

  CLI11_PARSE(app, argc, argv);

  if (tiny) {
    if (links->count() == 0) s.links = 200;
    if (conns->count() == 0) s.connections = 4;
    if (warmup->count() == 0) warmup_ms = 100;
    if (duration->count() == 0) duration_ms = 300;
    if (fractions->count() == 0) s.fractions = {0.5};
    if (sweep_steps->count() == 0) s.sweep_steps = 1;
    if (max_rounds->count() == 0) s.max_rounds = 1;
    s.preload_connections = 8;
  }
  s.warmup = std::chrono::milliseconds(warmup_ms);
  s.duration = std::chrono::milliseconds(duration_ms);
  s.drain_timeout = std::chrono::milliseconds(drain_ms);
  s.pacer_spin = std::chrono::microseconds(spin_us);
  s.distribution = distribution == "zipf" ? linkly::bench::code_distribution::zipf
                                          : linkly::bench::code_distribution::uniform;
  s.mixed_create_share = create_percent / 100;
  if (no_pin) s.server_cpu = s.bench_cpu = -1;
  if (::access(s.linkly_binary.c_str(), X_OK) != 0) {
    std::cerr << "linkly-bench: no linkly binary at " << s.linkly_binary << " (use --linkly)\n";
    return 2;
  }

  linkly::bench::install_stop_handlers();
  work_area work;
  work.keep = keep_work;
  try {
    if (work_dir.empty()) {
      std::string pattern = (fs::temp_directory_path() / "linkly-bench-XXXXXX").string();
      if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
      work.path = pattern;
    } else {
      work.path = fs::path(work_dir) / ("linkly-bench-" + std::to_string(::getpid()));
      fs::create_directories(work.path);
    }
    s.work_dir = work.path.string();

    auto suite = run_cmd->parsed()       ? linkly::bench::run_one(s, scenario, rate)
                 : compare_cmd->parsed() ? linkly::bench::run_compare(s, compare)
                                         : linkly::bench::run_suite(s);
    linkly::bench::print_table(std::cout, suite);
    if (!out_dir.empty()) {
      fs::create_directories(out_dir);
      fs::path base = fs::path(out_dir) / name;
      bool ok = write_file(base.string() + ".json", linkly::bench::json_report(suite)) &&
                write_file(base.string() + ".md", linkly::bench::markdown_report(suite));
      if (!ok) std::cerr << "linkly-bench: cannot write the results in " << out_dir << "\n";
      if (plot) {
        std::string png = base.string() + ".png";
        std::string why = linkly::bench::run_gnuplot(base.string() + ".gp",
                                                     linkly::bench::gnuplot_script(suite, png));
        if (!why.empty()) std::cerr << "linkly-bench: no plot: " << why << "\n";
      }
      std::cout << "results in " << base.string() << ".{json,md" << (plot ? ",png" : "") << "}\n";
    }
    if (keep_work) std::cout << "data directories kept in " << work.path.string() << "\n";
    return suite.failures.empty() ? 0 : 1;
  } catch (const linkly::bench::interrupted&) {
    std::cerr << "linkly-bench: interrupted; stopped every server it started\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "linkly-bench: " << e.what() << "\n";
    return 1;
  }
}
