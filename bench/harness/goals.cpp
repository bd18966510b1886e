#include "bench/harness/goals.hpp"

#include <cmath>
#include <cstdio>
#include <fstream>
#include <optional>

namespace linkly::bench {

namespace {

std::string count(std::uint64_t n) {
  return std::to_string(n);
}

const scenario_record* find(const suite_record& r, const std::string& name) {
  for (const auto& sc : r.scenarios) {
    if (sc.name == name && !sc.skipped) return &sc;
  }
  return nullptr;
}

// The open-loop run offered nearest `fraction` of the scenario's max, so
// --fractions need not hold 0.5 exactly.
const run_record* nearest_run(const scenario_record* sc, double fraction) {
  if (sc == nullptr || sc->max_rate <= 0) return nullptr;
  const run_record* best = nullptr;
  double best_gap = 0;
  for (const auto& run : sc->runs) {
    if (run.closed_loop || run.load.offered_rate <= 0) continue;
    double gap = std::abs(run.load.offered_rate / sc->max_rate - fraction);
    if (!best || gap < best_gap) {
      best = &run;
      best_gap = gap;
    }
  }
  return best;
}

std::string latency_label(double us) {
  char buf[64];
  if (us >= 1000 && std::fmod(us, 1000) == 0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", us / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f us", us);
  }
  return buf;
}

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

}  // namespace

void judge_goals(suite_record& r) {
  const auto* queued = find(r, "queued");
  const auto* nginx = find(r, "nginx");
  const auto* inl = find(r, "inline");
  auto add = [&](std::string goal, std::string measured, std::optional<bool> met) {
    r.goals.push_back({std::move(goal), std::move(measured),
                       !met   ? "not measured"
                       : *met ? "met"
                              : "missed"});
  };
  if (queued && nginx && nginx->max_rate > 0) {
    double ratio = queued->max_rate / nginx->max_rate;
    add("queued max throughput >= 0.8x nginx", fixed(ratio, 3) + "x", ratio >= 0.8);
  } else {
    add("queued max throughput >= 0.8x nginx", "-", std::nullopt);
  }
  const double target = r.settings.p99_target_us;
  const std::string half_goal = "p99 <= " + latency_label(target) + " at half the queued max";
  const auto* q_half = nearest_run(queued, 0.5);
  const auto* i_half = nearest_run(inl, 0.5);
  if (q_half) {
    double p99 = percentile_us(q_half->load.redirect_latency, 99);
    add(half_goal,
        fixed(p99, 0) + " us (" + q_half->label + ", " + fixed(q_half->load.offered_rate, 0) +
            " req/s)",
        p99 <= target);
  } else {
    add(half_goal, "-", std::nullopt);
  }
  if (queued && inl && q_half && i_half) {
    double qp = percentile_us(q_half->load.redirect_latency, 99);
    double ip = percentile_us(i_half->load.redirect_latency, 99);
    add("inline costs throughput and tail (vs queued)",
        "max " + fixed(inl->max_rate / queued->max_rate, 2) + "x, p99 at ~50% " + fixed(ip, 0) +
            " vs " + fixed(qp, 0) + " us",
        inl->max_rate < queued->max_rate && ip > qp);
  } else {
    add("inline costs throughput and tail (vs queued)", "-", std::nullopt);
  }
  std::uint64_t lost = 0, runs = 0, unverified = 0;
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      if (!run.clicks.checked || run.clicks.shed > 0) continue;
      ++runs;
      // An unverified run is never clean: its clicks count as lost.
      if (!run.clicks.verified) ++unverified;
      lost += run.clicks.lost();
    }
  }
  std::string measured = count(lost) + " lost over " + count(runs) + " runs";
  if (unverified > 0) measured += " (" + count(unverified) + " unverified)";
  add("zero lost clicks below the queue's capacity", measured,
      runs == 0 ? std::nullopt : std::optional<bool>(lost == 0 && unverified == 0));
}

// The 1, 5 and 15 minute load averages, "0.52 0.58 0.59".
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one, five, fifteen;
  in >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// A busy machine shows as open-loop requests sent late by the generator.
void note_conditions(suite_record& r) {
  r.load_after = load_average();
  int late = 0, open = 0;
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      if (run.closed_loop) continue;
      ++open;
      if (percentile_us(run.load.send_lag, 99) > 1000) ++late;
    }
  }
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      const auto& l = run.load;
      if (!run.closed_loop || l.cpu_window_seconds <= 0) continue;
      if (l.bench_cpu_seconds / l.cpu_window_seconds >= 0.9) {
        r.notes.push_back(sc.name + " " + run.label +
                          ": the load generator used 90% or more of its core, so this max is "
                          "the generator's and the server's own is higher");
      }
    }
  }
  // The generator's own lateness (not a busy connection's) adds to every
  // latency it measures: worth a note once it is a tenth of the target.
  const double lag_limit = 0.1 * r.settings.p99_target_us;
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      if (run.closed_loop || run.load.generator_lag.count() == 0) continue;
      double lag = percentile_us(run.load.generator_lag, 99);
      if (lag > lag_limit) {
        r.notes.push_back(sc.name + " " + run.label + ": the load generator noticed due requests " +
                          fixed(lag, 0) + " us late at p99, over 10% of the p99 target (" +
                          fixed(r.settings.p99_target_us, 0) +
                          " us): its own stalls are in the latencies");
      }
    }
  }
  if (late > 0) {
    r.notes.push_back(std::to_string(late) + " of " + std::to_string(open) +
                      " open-loop runs sent their p99 request over 1 ms late (a connection still "
                      "busy, or the generator starved of CPU): on a busy machine their "
                      "latencies include its stalls; load average before/after: " +
                      r.load_before + " / " + r.load_after);
  }
}

}  // namespace linkly::bench
