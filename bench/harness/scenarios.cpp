#include "bench/harness/scenarios.hpp"

#include "bench/harness/goals.hpp"

#include "bench/harness/server_launcher.hpp"
#include "bench/harness/server_metrics.hpp"
#include "bench/harness/stop_signal.hpp"
#include "bench/harness/text_format.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>

namespace linkly::bench {

namespace {

namespace fs = std::filesystem;
using clock = std::chrono::steady_clock;

std::string percent_label(double fraction) {
  return std::to_string(static_cast<int>(std::lround(fraction * 100))) + "%";
}

std::string count(std::uint64_t n) {
  return std::to_string(n);
}

std::string rate_label(double rate) {
  return std::to_string(std::llround(rate)) + "/s";
}

double seconds_since(clock::time_point start) {
  return std::chrono::duration<double>(clock::now() - start).count();
}

// One suite or run: the template data directory, the servers started from
// copies of it, and the runs against them.
class session {
 public:
  explicit session(const bench_settings& settings) : s_(settings) {
    record_.settings = settings;
    record_.cpus = online_cpus();
    record_.load_before = load_average();
    pin(settings.server_cpu, settings.bench_cpu);
  }

  // A second session in the same thread: `pinned` already pinned it (the
  // allowed set is now the generator's CPU alone, so pinning again fails).
  session(const bench_settings& settings, const session& pinned) : s_(settings) {
    record_.settings = settings;
    record_.cpus = pinned.record_.cpus;
    record_.load_before = pinned.record_.load_before;
    record_.pinned = pinned.record_.pinned;
    record_.bench_pinned = pinned.record_.bench_pinned;
    record_.server_pinned = pinned.record_.server_pinned;
  }

  suite_record& record() { return record_; }

  int server_cpu() const { return record_.pinned ? s_.server_cpu : -1; }

  // Pins only what this machine allows, and says what was really done; the
  // allowed set is read before this thread narrows it.
  void pin(int server, int bench) {
    std::string why;
    if (server < 0 || bench < 0) {
      why = "--no-pin, or a CPU of -1";
    } else if (server == bench) {
      why = "server and load generator CPUs are the same (" + std::to_string(server) + ")";
    } else if (!cpu_allowed(server) || !cpu_allowed(bench)) {
      why = "CPU " + std::to_string(cpu_allowed(server) ? bench : server) +
            " is not in this process's allowed set";
    } else if (!pin_current_thread(bench)) {
      why = "pinning the load generator to CPU " + std::to_string(bench) + " failed";
    } else {
      record_.pinned = record_.bench_pinned = record_.server_pinned = true;
      return;
    }
    record_.notes.push_back("server and load generator not pinned (" + why +
                            "): they share the cores");
  }

  // A server whose affinity is not the CPU asked for makes the suite unpinned.
  void check_pinned(const std::string& name, server_process& server) {
    if (server_cpu() < 0 || server.pinned()) return;
    record_.pinned = record_.server_pinned = false;
    record_.notes.push_back(name + ": the server's affinity is not CPU " +
                            std::to_string(s_.server_cpu) +
                            " after start, so the server was not pinned");
  }

  // Creates links 0..N-1 through POST /links into the template directory,
  // with the server stopped afterwards so copies of it are consistent.
  void preload() {
    auto start = clock::now();
    std::cerr << "linkly-bench: preloading " << s_.links << " links\n";
    template_dir_ = s_.work_dir + "/template";
    auto server = start_linkly({.binary = s_.linkly_binary,
                                .data_dir = template_dir_,
                                .clicks_mode = "queued",
                                .extra_args = s_.linkly_args,
                                .cpu = server_cpu()});
    check_pinned("preload", *server);
    workload_options wo;
    wo.links = s_.links;
    wo.preload = true;
    wo.link_fields = s_.link_fields;
    workload work(wo);
    load_options lo;
    lo.port = server->port();
    lo.connections = std::min<std::size_t>(s_.preload_connections, s_.links);
    lo.warmup = std::chrono::nanoseconds(0);
    lo.duration = std::chrono::hours(1);
    load_result r = run_load(lo, work);
    throw_if_stopped();
    if (r.answered != s_.links || !r.clean()) {
      std::string why = r.problems.empty() ? "" : ": " + r.problems.front();
      throw std::runtime_error("preload: " + count(r.answered) + " of " + count(s_.links) +
                               " links created, " + count(r.wrong_status) + " refused, " +
                               count(r.io_errors) + " errors" + why);
    }
    std::string how = server->stop(std::chrono::seconds(60));
    if (how != "exit 0") throw std::runtime_error("preload server stopped with " + how);
    record_.preload_seconds = seconds_since(start);
  }

  std::unique_ptr<server_process> start_server(scenario_record& sc) {
    std::string dir = s_.work_dir + "/" + sc.name;
    std::unique_ptr<server_process> server;
    if (sc.target == "nginx") {
      server = start_nginx({.binary = s_.nginx_binary, .dir = dir, .cpu = server_cpu()});
    } else {
      fs::remove_all(dir);
      fs::copy(template_dir_, dir, fs::copy_options::recursive);
      server = start_linkly({.binary = s_.linkly_binary,
                             .data_dir = dir,
                             .clicks_mode = sc.clicks_mode,
                             .extra_args = s_.linkly_args,
                             .cpu = server_cpu()});
    }
    check_pinned(sc.name, *server);
    return server;
  }

  void stop_server(scenario_record& sc, server_process& server) {
    std::string how = server.stop(std::chrono::seconds(60));
    if (sc.target == "linkly" && how != "exit 0") {
      fail(sc.name, "linkly stopped with " + how + " on SIGTERM (" + server.log_path() + ")");
    }
  }

  // One run against `server`, checked; rate 0 is a closed loop.
  run_record& measure(scenario_record& sc, server_process& server, const std::string& label,
                      double rate, run_kind kind, double create_share = 0) {
    throw_if_stopped();
    std::optional<click_counters> before;
    double quiesce = 0;
    if (sc.target == "linkly") {
      auto start = clock::now();
      if (!wait_for_projections(server.port(), std::chrono::seconds(60))) {
        record_.notes.push_back(sc.name + " " + label +
                                ": linkly's projections still lagged after 60 s; the run "
                                "shares the server's CPU with their catch-up");
      }
      quiesce = seconds_since(start);
    }
    // With clicks off linkly has no click counters to audit.
    if (sc.target == "linkly" && sc.clicks_mode != "off") {
      // The previous run's clicks still on their way would count as this run's.
      settle_options so;
      so.queued = sc.clicks_mode != "inline";
      auto quiet = wait_for_clicks(server.port(), so);
      if (quiet.read && !quiet.settled) {
        record_.notes.push_back(sc.name + " " + label +
                                ": the previous run's clicks were still moving after " +
                                std::to_string(so.timeout.count() / 1000) +
                                " s; this run's audit may count some of them");
      }
      if (quiet.read) before = quiet.counters;
      if (!before) throw std::runtime_error("cannot read the click counters of linkly's /metrics");
    }
    workload_options wo;
    wo.links = s_.links;
    wo.distribution = s_.distribution;
    wo.zipf_exponent = s_.zipf_exponent;
    wo.seed = s_.seed + (++runs_);
    wo.create_share = create_share;
    wo.create_prefix = "m" + std::to_string(runs_) + "-";
    wo.link_fields = s_.link_fields;
    wo.redirect_query = s_.redirect_query;
    workload work(wo);
    load_options lo;
    lo.port = server.port();
    lo.connections = s_.connections;
    lo.rate = rate;
    lo.warmup = s_.warmup;
    lo.duration = s_.duration;
    lo.drain_timeout = s_.drain_timeout;
    lo.server_pid = server.pid();
    lo.spin_within = s_.pacer_spin;
    lo.server_core = server_cpu();
    lo.bench_core = record_.bench_pinned ? s_.bench_cpu : -1;

    run_record& run = sc.runs.emplace_back();
    run.scenario = sc.name;
    run.label = label;
    run.kind = kind;
    run.closed_loop = rate <= 0;
    run.quiesce_seconds = quiesce;
    run.load = run_load(lo, work);
    if (run.load.interrupted) throw interrupted();
    if (before) audit(server, sc, *before, run);
    check(run);
    std::cerr << "linkly-bench: " << sc.name << " " << label << ": "
              << std::lround(run.load.achieved_rate) << " req/s, p99 "
              << percentile_us(run.load.redirect_latency, 99) << " us (projections caught up in "
              << quiesce << " s before)\n";
    return run;
  }

  void fail(const std::string& where, const std::string& what) {
    record_.failures.push_back(where + ": " + what);
  }

  const bench_settings& settings() const { return s_; }

 private:
  void audit(server_process& server, const scenario_record& sc, const click_counters& before,
             run_record& run) {
    settle_options so;
    so.expected_written = before.written + run.load.redirects_302;
    so.queued = sc.clicks_mode != "inline";
    run.clicks = audit_clicks(before, wait_for_clicks(server.port(), so), run.load.redirects_302,
                              run.load.in_doubt);
  }

  void check(run_record& run) {
    const load_result& r = run.load;
    auto where = run.scenario + " " + run.label;
    auto note = [&](const std::string& what) {
      run.failures.push_back(what);
      fail(where, what);
    };
    if (r.wrong_status > 0) note(count(r.wrong_status) + " answers with a wrong status");
    if (r.wrong_location > 0) note(count(r.wrong_location) + " redirects to a wrong Location");
    if (r.io_errors > 0) note(count(r.io_errors) + " connection errors");
    if (r.unanswered > 0) note(count(r.unanswered) + " requests unanswered");
    if (r.measured == 0) {
      note("no answers in the measured window (" + count(r.sent) + " sent, " + count(r.answered) +
           " answered)");
    }
    const click_audit& a = run.clicks;
    if (!a.checked) return;
    if (!a.verified) {
      note("click counters unreadable after the run: " + count(a.owed) +
           " clicks unverified, counted as lost");
      return;
    }
    if (!a.settled) note("clicks still moving when the wait timed out");
    // A full queue sheds clicks by design; anything else missing is lost.
    std::uint64_t unexplained = a.lost() > a.shed ? a.lost() - a.shed : 0;
    if (unexplained > a.in_doubt) note(count(unexplained) + " clicks lost");
    if (a.written > a.owed + a.in_doubt) {
      note(count(a.written - a.owed) + " more clicks written than redirects answered");
    }
    if (a.shed > 0) {
      record_.notes.push_back(where + ": the click queue was full, " + count(a.shed) +
                              " clicks shed");
    }
  }

  const bench_settings& s_;
  suite_record record_;
  std::string template_dir_;
  std::uint64_t runs_ = 0;
};

scenario_record make_scenario(const std::string& name) {
  scenario_record sc;
  sc.name = name;
  sc.target = name == "nginx" ? "nginx" : "linkly";
  if (sc.target == "linkly") sc.clicks_mode = name == "mixed" ? "queued" : name;
  return sc;
}

bool p99_within(const run_record& run, double target_us) {
  return run.failures.empty() && percentile_us(run.load.redirect_latency, 99) < target_us;
}

// Bisects between the highest fraction run under the target and the lowest
// one above it (or the max), on the same server.
void sweep(session& s, scenario_record& sc, server_process& server, sweep_record& out) {
  const double target = s.settings().p99_target_us;
  double lo = 0, lo_p99 = 0, hi = sc.max_rate;
  bool missed = false;  // hi is a rate that missed, not just the max
  for (const auto& run : sc.runs) {
    if (run.closed_loop) continue;
    double rate = run.load.offered_rate;
    if (p99_within(run, target) && rate > lo) {
      lo = rate;
      lo_p99 = percentile_us(run.load.redirect_latency, 99);
    }
  }
  for (const auto& run : sc.runs) {
    if (!run.closed_loop && !p99_within(run, target) && run.load.offered_rate > lo) {
      hi = missed ? std::min(hi, run.load.offered_rate) : run.load.offered_rate;
      missed = true;
    }
  }
  out.ran = true;
  for (int step = 0; step < s.settings().sweep_steps; ++step) {
    double mid = (lo + hi) / 2;
    const run_record& run = s.measure(sc, server, "sweep", mid, run_kind::sweep);
    if (p99_within(run, target)) {
      lo = mid;
      lo_p99 = percentile_us(run.load.redirect_latency, 99);
    } else {
      hi = mid;
      missed = true;
    }
  }
  out.found = lo > 0;
  out.best_rate = lo;
  out.best_p99_us = lo_p99;
  out.missed = missed;
  out.upper_rate = missed ? hi : 0;
}

bool nginx_available(session& s, scenario_record& sc) {
  const auto& bin = s.settings().nginx_binary;
  if (!bin.empty() && ::access(bin.c_str(), X_OK) == 0) return true;
  sc.skipped = true;
  sc.note = bin.empty() ? "nginx not found: baseline skipped"
                        : "nginx not executable at " + bin + ": baseline skipped";
  s.record().notes.push_back(sc.note);
  return false;
}

// queued's half-load run, which nginx repeats at the same offered rate.
struct half_load_point {
  double rate = 0;  // 0: none (queued not run, or no fraction runs)
  std::string label;
};

// The max run, the fraction runs and the low-rate run of one scenario (plus
// nginx at queued's half-load rate, and the sweep for queued).
void run_curve(session& s, scenario_record& sc, const half_load_point& queued_half) {
  if (sc.target == "nginx" && !nginx_available(s, sc)) return;
  auto server = s.start_server(sc);
  // Measured already when the suite interleaved the max runs.
  if (sc.runs.empty()) s.measure(sc, *server, "max", 0, run_kind::max);
  sc.max_rate = max_rate_of(sc, s.settings().foreign_core_share);
  if (sc.max_rate > 0) {
    for (double f : s.settings().fractions) {
      s.measure(sc, *server, percent_label(f), f * sc.max_rate, run_kind::fraction).fraction = f;
    }
    if (double low = s.settings().low_rate; low > 0) {
      if (low > sc.max_rate) {
        s.record().notes.push_back(sc.name + " " + rate_label(low) +
                                   ": above this scenario's max (" + thousands(sc.max_rate) +
                                   " req/s), so it ran overloaded");
      }
      s.measure(sc, *server, rate_label(low), low, run_kind::low_rate);
    }
    if (sc.target == "nginx" && queued_half.rate > 0) {
      s.measure(sc, *server, "queued " + queued_half.label, queued_half.rate,
                run_kind::at_queued_half);
    }
    if (sc.name == "queued" && s.settings().sweep_steps > 0) {
      sweep(s, sc, *server, s.record().sweep);
    }
  }
  s.stop_server(sc, *server);
}

void run_mixed(session& s, scenario_record& sc, double queued_max) {
  if (queued_max <= 0) {
    sc.skipped = true;
    sc.note = "needs the queued max rate, which was not measured";
    s.record().notes.push_back("mixed: " + sc.note);
    return;
  }
  auto server = s.start_server(sc);
  s.measure(sc, *server, "mixed", s.settings().mixed_fraction * queued_max, run_kind::mixed,
            s.settings().mixed_create_share);
  sc.max_rate = queued_max;
  s.stop_server(sc, *server);
}

// A scenario that cannot run (a server that does not start, say) is a
// failure of its own; the others still run.
template <class Body>
void guarded(session& s, scenario_record& sc, Body body) {
  try {
    body();
  } catch (const interrupted&) {
    throw;
  } catch (const std::exception& e) {
    sc.skipped = true;
    sc.note = e.what();
    s.fail(sc.name, e.what());
  }
}

// Round r of settings.max_rounds runs the max of each of `scenarios` once,
// each on a server of its own, in the order rotated by r.
void run_max_rounds(session& s, const std::vector<scenario_record*>& scenarios) {
  const int rounds = s.settings().max_rounds;
  if (rounds <= 1 || scenarios.empty()) return;
  for (int round = 1; round <= rounds; ++round) {
    for (std::size_t i = 0; i < scenarios.size(); ++i) {
      scenario_record& sc =
          *scenarios[(i + static_cast<std::size_t>(round - 1)) % scenarios.size()];
      if (sc.skipped) continue;
      guarded(s, sc, [&] {
        auto server = s.start_server(sc);
        s.measure(sc, *server, "max " + std::to_string(round), 0, run_kind::max);
        s.stop_server(sc, *server);
      });
    }
  }
}

}  // namespace

std::string to_string(run_kind kind) {
  switch (kind) {
    case run_kind::max:
      return "max";
    case run_kind::fraction:
      return "fraction";
    case run_kind::low_rate:
      return "low_rate";
    case run_kind::at_queued_half:
      return "at_queued_half";
    case run_kind::sweep:
      return "sweep";
    case run_kind::mixed:
      return "mixed";
    case run_kind::rate:
      return "rate";
  }
  return "rate";
}

suite_record run_compare(const bench_settings& settings, const compare_options& options) {
  auto start = clock::now();
  bench_settings base_settings = settings;
  base_settings.linkly_binary = options.base_binary;
  base_settings.link_fields.clear();
  base_settings.redirect_query.clear();
  base_settings.work_dir = settings.work_dir + "/base";
  bench_settings this_settings = settings;
  this_settings.work_dir = settings.work_dir + "/this";
  this_settings.linkly_args.insert(this_settings.linkly_args.end(), options.this_args.begin(),
                                   options.this_args.end());
  fs::create_directories(base_settings.work_dir);
  fs::create_directories(this_settings.work_dir);
  session base(base_settings);
  session now(this_settings, base);
  now.record().kind = "compare";
  scenario_record base_sc = make_scenario(options.scenario);
  base_sc.name = "base-" + options.scenario;
  scenario_record this_sc = make_scenario(options.scenario);
  if (this_sc.target != "linkly") throw std::runtime_error("compare needs a linkly scenario");
  base.preload();
  now.preload();
  auto max_run = [&](session& s, scenario_record& sc, int round) {
    auto server = s.start_server(sc);
    s.measure(sc, *server, "max " + std::to_string(round), 0, run_kind::max);
    s.stop_server(sc, *server);
  };
  for (int round = 1; round <= options.rounds; ++round) {
    if (round % 2 == 1) {
      max_run(base, base_sc, round);
      max_run(now, this_sc, round);
    } else {
      max_run(now, this_sc, round);
      max_run(base, base_sc, round);
    }
  }
  suite_record out = std::move(now.record());
  const suite_record& b = base.record();
  out.notes.insert(out.notes.begin(), b.notes.begin(), b.notes.end());
  out.failures.insert(out.failures.end(), b.failures.begin(), b.failures.end());
  out.preload_seconds += b.preload_seconds;
  out.pinned = out.pinned && b.pinned;
  out.scenarios = {std::move(base_sc), std::move(this_sc)};
  judge_compare(out, options.least_ratio);
  note_conditions(out);
  out.wall_seconds = seconds_since(start);
  return out;
}

const std::vector<std::string>& scenario_names() {
  static const std::vector<std::string> names{"queued", "inline", "off", "nginx", "mixed"};
  return names;
}

click_audit audit_clicks(const click_counters& before, const settled_clicks& after,
                         std::uint64_t owed, std::uint64_t in_doubt) {
  click_audit a;
  a.checked = true;
  a.owed = owed;
  a.in_doubt = in_doubt;
  a.settled = after.settled;
  // Counters that were never read, or went backwards (a restart), verify
  // nothing: written stays 0, so every click owed is lost.
  a.verified = after.read && after.counters.written >= before.written;
  if (!a.verified) return a;
  a.written = after.counters.written - before.written;
  a.shed = after.counters.shed > before.shed ? after.counters.shed - before.shed : 0;
  return a;
}

double percentile_us(const latency_histogram& h, double percentile) {
  return static_cast<double>(h.value_at_percentile(percentile)) / 1000.0;
}

suite_record run_suite(const bench_settings& settings) {
  auto start = clock::now();
  session s(settings);
  s.record().kind = "suite";
  auto wants = [&](const char* name) {
    return std::find(settings.scenarios.begin(), settings.scenarios.end(), name) !=
           settings.scenarios.end();
  };
  if (std::any_of(settings.scenarios.begin(), settings.scenarios.end(),
                  [](const std::string& name) { return name != "nginx"; })) {
    s.preload();
  }
  double queued_max = 0;
  half_load_point queued_half;
  // queued first: nginx repeats its half-load rate, mixed needs its max.
  // Reserved, so the pointers of the interleaved max runs stay valid.
  s.record().scenarios.reserve(5);
  std::vector<scenario_record*> curves;
  std::vector<scenario_record*> compared;  // the scenarios of the max ratios
  for (const char* name : {"queued", "inline", "off", "nginx"}) {
    if (!wants(name)) continue;
    auto& sc = s.record().scenarios.emplace_back(make_scenario(name));
    curves.push_back(&sc);
    if (sc.name == "inline" || (sc.target == "nginx" && !nginx_available(s, sc))) continue;
    compared.push_back(&sc);
  }
  run_max_rounds(s, compared);
  for (scenario_record* curve : curves) {
    scenario_record& sc = *curve;
    if (sc.skipped) continue;
    guarded(s, sc, [&] { run_curve(s, sc, queued_half); });
    if (sc.name != "queued") continue;
    queued_max = sc.max_rate;
    if (const run_record* half = half_load_run(sc)) {
      queued_half = {half->load.offered_rate, half->label};
    }
  }
  if (wants("mixed")) {
    auto& sc = s.record().scenarios.emplace_back(make_scenario("mixed"));
    guarded(s, sc, [&] { run_mixed(s, sc, queued_max); });
  }
  judge_goals(s.record());
  note_conditions(s.record());
  s.record().wall_seconds = seconds_since(start);
  return std::move(s.record());
}

suite_record run_one(const bench_settings& settings, const std::string& scenario, double rate) {
  auto start = clock::now();
  session s(settings);
  s.record().kind = "run";
  auto& sc = s.record().scenarios.emplace_back(make_scenario(scenario));
  if (sc.target == "linkly") s.preload();
  if (sc.target != "nginx" || nginx_available(s, sc)) {
    auto server = s.start_server(sc);
    const auto& run = s.measure(sc, *server, rate > 0 ? "rate" : "max", rate,
                                rate > 0 ? run_kind::rate : run_kind::max,
                                scenario == "mixed" ? settings.mixed_create_share : 0);
    if (rate <= 0) sc.max_rate = run.load.achieved_rate;
    s.stop_server(sc, *server);
  }
  note_conditions(s.record());
  s.record().wall_seconds = seconds_since(start);
  return std::move(s.record());
}

}  // namespace linkly::bench
