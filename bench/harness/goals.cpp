#include "bench/harness/goals.hpp"

#include "bench/harness/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <vector>

namespace linkly::bench {

namespace {

const char* const kMet = "met";
const char* const kMissed = "missed";
const char* const kUnmeasurable = "unmeasurable";
const char* const kNotMeasured = "not measured";

std::string count(std::uint64_t n) {
  return std::to_string(n);
}

const scenario_record* find(const suite_record& r, const std::string& name) {
  for (const auto& sc : r.scenarios) {
    if (sc.name == name && !sc.skipped) return &sc;
  }
  return nullptr;
}

const run_record* find_run(const scenario_record* sc, run_kind kind) {
  if (sc == nullptr) return nullptr;
  for (const auto& run : sc->runs) {
    if (run.kind == kind) return &run;
  }
  return nullptr;
}

std::vector<const run_record*> max_runs(const scenario_record* sc) {
  std::vector<const run_record*> out;
  if (sc == nullptr) return out;
  for (const auto& run : sc->runs) {
    if (run.kind == run_kind::max) out.push_back(&run);
  }
  return out;
}

double cpu_share(double cpu_seconds, double window) {
  return window > 0 && cpu_seconds >= 0 ? cpu_seconds / window : -1;
}

double p99(const run_record& run) {
  return percentile_us(run.load.redirect_latency, 99);
}

std::string where(const run_record& run) {
  return run.scenario + " " + run.label;
}

class judge {
 public:
  judge(suite_record& r, const goal_targets& t) : r_(r), t_(t) {}

  void add(std::string goal, std::string measured, const char* verdict) {
    r_.goals.push_back({std::move(goal), std::move(measured), verdict});
  }

  // ratio = queued max / baseline max, at least `least`, each the mean of
  // the scenario's usable max runs (its max_rate). A baseline max that was the
  // generator's is too low, so a ratio that looks met is unproven; one that
  // looks missed is missed all the more. A side with no usable max run (the
  // machine's other load took it) proves nothing.
  void max_ratio(const std::string& baseline, const std::string& baseline_name, double least) {
    const auto* queued = find(r_, "queued");
    const auto* base = find(r_, baseline);
    std::string goal = "queued max >= " + fixed(least, 1) + "x " + baseline_name + " max";
    const double share = r_.settings.foreign_core_share;
    const auto queued_runs = max_runs(queued);
    const auto base_runs = max_runs(base);
    if (queued_runs.empty() || base_runs.empty()) return add(goal, "-", kNotMeasured);
    // The suite sets each max_rate from its max runs (max_rate_of).
    const double queued_max = queued->max_rate;
    const double base_max = base->max_rate;
    if (base_max <= 0) return add(goal, "-", kNotMeasured);
    const double ratio = queued_max / base_max;
    std::string measured =
        fixed(ratio, 3) + "x (" + thousands(queued_max) + " vs " + thousands(base_max) + " req/s";
    if (queued_runs.size() > 1 || base_runs.size() > 1) {
      measured += ", means of " + count(queued_runs.size()) + " and " + count(base_runs.size()) +
                  " interleaved max runs";
    }
    measured += ")";
    std::vector<const run_record*> used_base;
    for (const auto* side : {&queued_runs, &base_runs}) {
      std::string why_left_out;
      std::size_t usable = 0;
      for (const run_record* m : *side) {
        if (auto why = unusable_max(*m, share); !why.empty()) {
          why_left_out += "; " + where(*m) + ": " + why;
          continue;
        }
        ++usable;
        if (side == &base_runs) used_base.push_back(m);
      }
      if (usable == 0) return add(goal, measured + why_left_out, kUnmeasurable);
      if (!why_left_out.empty()) measured += "; left out" + why_left_out;
    }
    // A max the click path did not keep up with (clicks shed or lost) is
    // not a rate linkly sustains, however fast the redirects were.
    for (const run_record* m : queued_runs) {
      if (m->clicks.lost() == 0) continue;
      return add(goal,
                 measured + "; " + where(*m) + " lost " + count(m->clicks.lost()) + " clicks (" +
                     count(m->clicks.shed) + " shed by a full queue): not sustained",
                 kMissed);
    }
    const bool generator_held =
        std::any_of(used_base.begin(), used_base.end(),
                    [](const run_record* m) { return generator_bound(*m); });
    if (ratio >= least && generator_held) {
      return add(goal,
                 measured + "; the " + baseline_name +
                     " max was the load generator's, so the real ratio is lower",
                 kUnmeasurable);
    }
    add(goal, measured, ratio >= least ? kMet : kMissed);
  }

  // Every run's clicks: shed ones (a full queue) are lost too.
  void lost_clicks() {
    std::uint64_t lost = 0, runs = 0, unverified = 0, shed = 0;
    for (const auto& sc : r_.scenarios) {
      for (const auto& run : sc.runs) {
        if (!run.clicks.checked) continue;
        ++runs;
        // An unverified run is never clean: its clicks count as lost.
        if (!run.clicks.verified) ++unverified;
        lost += run.clicks.lost();
        shed += run.clicks.shed;
      }
    }
    std::string measured = count(lost) + " lost over " + count(runs) + " runs";
    if (shed > 0) measured += " (" + count(shed) + " shed by a full queue)";
    if (unverified > 0) measured += " (" + count(unverified) + " unverified)";
    add("zero lost clicks in every run", measured,
        runs == 0                      ? kNotMeasured
        : lost == 0 && unverified == 0 ? kMet
                                       : kMissed);
  }

  // `run`'s p99 against `bound_us`; `peers` are the other runs the bound
  // came from. Any of them whose generator lagged over the named share of
  // the bound makes the point unmeasurable.
  void p99_point(const std::string& goal, const run_record& run, double bound_us,
                 std::string measured, std::initializer_list<const run_record*> peers = {}) {
    if (run.load.redirect_latency.count() == 0) {
      return add(goal, where(run) + ": no answers in the measured window", kMissed);
    }
    const double lag_limit = r_.settings.generator_lag_share * bound_us;
    std::vector<const run_record*> involved{&run};
    involved.insert(involved.end(), peers.begin(), peers.end());
    std::string lagged;  // the first run whose generator lagged, and by how much
    for (const auto* x : involved) {
      double lag = percentile_us(x->load.generator_lag, 99);
      if (x->load.redirect_latency.count() == 0) {
        return add(goal, measured + "; " + where(*x) + " had no answers", kUnmeasurable);
      }
      if (auto why = disturbed(*x, r_.settings.foreign_core_share); !why.empty()) {
        return add(goal, measured + "; " + where(*x) + ": " + why, kUnmeasurable);
      }
      if (lag > lag_limit && lagged.empty()) {
        lagged = where(*x) + ": load generator lag p99 " + latency_text(lag) + " > " +
                 latency_text(lag_limit) + " (" + fixed(100 * r_.settings.generator_lag_share, 0) +
                 "% of the bound)";
      }
    }
    if (!lagged.empty()) {
      // A lagging generator only adds to latencies (and to a bound taken
      // from nginx's): a p99 over the bound by more than its own run's lag
      // is missed whatever the lag hid.
      const double own_lag = percentile_us(run.load.generator_lag, 99);
      if (p99(run) - own_lag > bound_us) {
        return add(goal, measured + "; " + lagged + ", but over the bound by more than that lag",
                   kMissed);
      }
      return add(goal, measured + "; " + lagged, kUnmeasurable);
    }
    add(goal, measured, p99(run) <= bound_us ? kMet : kMissed);
  }

  // queued's p99 at most t_.p99_vs_nginx x nginx's at the same offered rate.
  void p99_vs_nginx(const std::string& goal, const run_record* queued, const run_record* nginx) {
    if (!queued || !nginx) return add(goal, "-", kNotMeasured);
    double bound = t_.p99_vs_nginx * p99(*nginx);
    std::string measured = latency_text(p99(*queued)) + " vs nginx " + latency_text(p99(*nginx)) +
                           ", bound " + latency_text(bound) + " (" + queued->label + ", " +
                           thousands(queued->load.offered_rate) + " req/s)";
    p99_point(goal, *queued, bound, measured, {nginx});
  }

  void run() {
    max_ratio("nginx", "nginx", t_.queued_vs_nginx_max);
    max_ratio("off", "clicks-off", t_.queued_vs_off_max);
    lost_clicks();

    const auto* queued = find(r_, "queued");
    const auto* nginx = find(r_, "nginx");
    const std::string ratio = fixed(t_.p99_vs_nginx, 1) + "x";
    const run_record* q_half = queued ? half_load_run(*queued) : nullptr;
    p99_vs_nginx("p99 at half the queued max <= " + ratio + " nginx at the same rate", q_half,
                 find_run(nginx, run_kind::at_queued_half));

    const double target = r_.settings.p99_target_us;
    std::string half_goal = "p99 at half the queued max <= " + latency_text(target);
    if (q_half) {
      p99_point(half_goal, *q_half, target,
                latency_text(p99(*q_half)) + " (" + q_half->label + ", " +
                    thousands(q_half->load.offered_rate) + " req/s)");
    } else {
      add(half_goal, "-", kNotMeasured);
    }

    const std::string low = thousands(r_.settings.low_rate) + " req/s";
    p99_vs_nginx("p99 at " + low + " <= " + ratio + " nginx at " + low,
                 find_run(queued, run_kind::low_rate), find_run(nginx, run_kind::low_rate));
  }

 private:
  suite_record& r_;
  const goal_targets& t_;
};

}  // namespace

const run_record* half_load_run(const scenario_record& sc) {
  const run_record* best = nullptr;
  for (const auto& run : sc.runs) {
    if (run.kind != run_kind::fraction) continue;
    if (!best || std::abs(run.fraction - 0.5) < std::abs(best->fraction - 0.5)) best = &run;
  }
  return best;
}

// The generator near its core's limit while the server still had room:
// the max measured the generator. Both near their limits is a max of both.
bool generator_bound(const run_record& run) {
  const auto& l = run.load;
  double bench = cpu_share(l.bench_cpu_seconds, l.cpu_window_seconds);
  double server = cpu_share(l.server_cpu_seconds, l.cpu_window_seconds);
  return bench >= kGeneratorBoundCpuShare && server < kGeneratorBoundCpuShare;
}

// Neither side near its core's limit: something else took their CPU.
bool machine_bound(const run_record& run) {
  const auto& l = run.load;
  double bench = cpu_share(l.bench_cpu_seconds, l.cpu_window_seconds);
  double server = cpu_share(l.server_cpu_seconds, l.cpu_window_seconds);
  return server >= 0 && server < kStarvedServerCpuShare && bench < kGeneratorBoundCpuShare;
}

std::string disturbed(const run_record& run, double limit) {
  const auto& l = run.load;
  if (l.cpu_window_seconds <= 0) return "";
  for (auto [seconds, side] : {std::pair{l.server_core_foreign_seconds, "server's"},
                               std::pair{l.bench_core_foreign_seconds, "load generator's"}}) {
    double share = seconds / l.cpu_window_seconds;
    if (seconds >= 0 && share > limit) {
      return "other work used " + fixed(100 * share, 0) + "% of the " + side + " core (over " +
             fixed(100 * limit, 0) + "%)";
    }
  }
  return "";
}

std::string unusable_max(const run_record& run, double foreign_share) {
  if (auto why = disturbed(run, foreign_share); !why.empty()) return why;
  if (!machine_bound(run)) return "";
  const auto& l = run.load;
  return "the server used only " +
         fixed(100 * cpu_share(l.server_cpu_seconds, l.cpu_window_seconds), 0) +
         "% of its core and the load generator had room: the machine's other load held this "
         "max down";
}

double max_rate_of(const scenario_record& sc, double foreign_share) {
  double usable_sum = 0, all_sum = 0;
  std::size_t usable = 0, all = 0;
  for (const auto& run : sc.runs) {
    if (run.kind != run_kind::max) continue;
    ++all;
    all_sum += run.load.achieved_rate;
    if (!unusable_max(run, foreign_share).empty()) continue;
    ++usable;
    usable_sum += run.load.achieved_rate;
  }
  if (usable > 0) return usable_sum / static_cast<double>(usable);
  return all > 0 ? all_sum / static_cast<double>(all) : 0;
}

void judge_goals(suite_record& r, const goal_targets& targets) {
  judge(r, targets).run();
}

void judge_compare(suite_record& r, double least) {
  const std::string goal = "max with this build >= " + fixed(least, 2) +
                           "x the base's (ratio of the means of undisturbed rounds)";
  if (r.scenarios.size() != 2) return r.goals.push_back({goal, "", kNotMeasured});
  const auto& base = r.scenarios[0].runs;
  const auto& mine = r.scenarios[1].runs;
  double base_sum = 0, mine_sum = 0;
  std::vector<double> ratios;
  std::string per_round;
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < std::min(base.size(), mine.size()); ++i) {
    const double b = base[i].load.achieved_rate;
    const double m = mine[i].load.achieved_rate;
    if (b <= 0 || !base[i].failures.empty() || !mine[i].failures.empty() ||
        !disturbed(base[i], r.settings.foreign_core_share).empty() ||
        !disturbed(mine[i], r.settings.foreign_core_share).empty()) {
      ++dropped;
      continue;
    }
    base_sum += b;
    mine_sum += m;
    ratios.push_back(m / b);
    per_round += (per_round.empty() ? "" : ", ") + fixed(m / b, 2);
  }
  if (ratios.empty()) {
    return r.goals.push_back({goal, "no undisturbed round", kUnmeasurable});
  }
  std::vector<double> sorted = ratios;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t n = sorted.size();
  const double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const double ratio = mine_sum / base_sum;
  std::string measured =
      fixed(ratio, 3) + " (" + fixed(mine_sum / n, 0) + " vs " + fixed(base_sum / n, 0) +
      " req/s over " + count(n) + " rounds; per round " + per_round + "; median " +
      fixed(median, 3) +
      (dropped > 0 ? "; " + count(dropped) + " disturbed round(s) left out" : "") + ")";
  // Half the rounds disturbed or more: what is left says little.
  const bool enough = n > dropped;
  r.goals.push_back({goal, std::move(measured),
                     !enough          ? kUnmeasurable
                     : ratio >= least ? kMet
                                      : kMissed});
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
  const std::string limit = fixed(100 * kGeneratorBoundCpuShare, 0) + "%";
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      const auto& l = run.load;
      if (!run.closed_loop) continue;
      if (machine_bound(run)) {
        r.notes.push_back(sc.name + " " + run.label + ": the server used only " +
                          fixed(100 * cpu_share(l.server_cpu_seconds, l.cpu_window_seconds), 0) +
                          "% of its core and the load generator had room: the machine's other "
                          "load held this max down");
      } else if (generator_bound(run)) {
        r.notes.push_back(sc.name + " " + run.label + ": the load generator used " + limit +
                          " or more of its core while the server had room, so this max is the "
                          "generator's and the server's own is higher");
      } else if (cpu_share(l.bench_cpu_seconds, l.cpu_window_seconds) >= kGeneratorBoundCpuShare) {
        r.notes.push_back(sc.name + " " + run.label +
                          ": the load generator and the server both used " + limit +
                          " or more of their cores, so this max is the lower of the two");
      }
    }
  }
  // The generator's own lateness (not a busy connection's) adds to every
  // latency it measures: worth a note once it is the unmeasurable share of
  // the target.
  const double share = r.settings.generator_lag_share;
  const double lag_limit = share * r.settings.p99_target_us;
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      if (run.closed_loop || run.load.generator_lag.count() == 0) continue;
      double lag = percentile_us(run.load.generator_lag, 99);
      if (lag > lag_limit) {
        r.notes.push_back(sc.name + " " + run.label + ": the load generator noticed due requests " +
                          fixed(lag, 0) + " us late at p99, over " + fixed(100 * share, 0) +
                          "% of the p99 target (" + fixed(r.settings.p99_target_us, 0) +
                          " us): its own stalls are in the latencies");
      }
    }
  }
  int disturbed_runs = 0, runs = 0;
  for (const auto& sc : r.scenarios) {
    for (const auto& run : sc.runs) {
      ++runs;
      if (!disturbed(run, r.settings.foreign_core_share).empty()) ++disturbed_runs;
    }
  }
  if (disturbed_runs > 0) {
    r.notes.push_back(std::to_string(disturbed_runs) + " of " + std::to_string(runs) +
                      " runs shared a pinned core with other work over " +
                      fixed(100 * r.settings.foreign_core_share, 0) +
                      "% of the time (other CPU): no goal rests on them; measure on an idle "
                      "machine");
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
