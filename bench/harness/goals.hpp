#pragma once
// goals: what a suite's numbers say against linkly's targets, every one a
// ratio or a bound within the same suite run: queued max against nginx's and
// clicks-off's, zero lost clicks, queued's p99 at half its max (against 1 ms
// and against nginx at the same offered rate) and at the fixed low rate
// (against nginx there); and notes on conditions that make numbers
// unreliable.
//
// A p99 point whose load generator lagged (bench_settings::
// generator_lag_share) is "unmeasurable", never "met" (but "missed" when its
// p99 is over the bound by more than that lag); so is a throughput
// ratio that only looks met because the baseline's max was the generator's,
// or whose max runs the machine's other load held down.

#include "bench/harness/scenarios.hpp"

#include <string>

namespace linkly::bench {

/// The targets judge_goals holds a suite to (the p99 bound at half load is
/// bench_settings::p99_target_us).
struct goal_targets {
  double queued_vs_nginx_max = 0.8;  // queued max / nginx max, at least
  double queued_vs_off_max = 0.9;    // queued max / clicks-off max, at least
  /// queued's p99 / nginx's p99 at the same offered rate, at most.
  double p99_vs_nginx = 1.5;
};

/// Fills suite.goals from its scenarios; a goal whose runs are missing is
/// "not measured".
void judge_goals(suite_record& suite, const goal_targets& targets = {});

/// A compare run's goal (run_compare): the max of its second scenario
/// (this build) against its first (the base), each round's pair kept only
/// when neither run was disturbed; the ratio of the kept means at least
/// `least`, the per-round ratios and their median shown beside it.
void judge_compare(suite_record& suite, double least);

/// The scenario's open-loop run at the fraction of its max nearest 0.5, or
/// nullptr.
const run_record* half_load_run(const scenario_record& scenario);

/// A closed-loop run whose load generator used this share of its core or
/// more was bound by the generator, not (only) by the server.
inline constexpr double kGeneratorBoundCpuShare = 0.9;
bool generator_bound(const run_record& run);

/// A closed-loop run whose server used less than this share of its core
/// while the generator had room was held down by neither side but by the
/// machine's other load (the server is pinned to one core it shares).
inline constexpr double kStarvedServerCpuShare = 0.5;
bool machine_bound(const run_record& run);

/// "" when other work used at most `share` of the run's pinned cores (or
/// that is unknown), else why the run measured the machine as much as the
/// server (bench_settings::foreign_core_share).
std::string disturbed(const run_record& run, double share);

/// Why a closed-loop max run cannot stand for its scenario's max ("" when
/// it can): other work took its cores (disturbed) or held the server down
/// (machine_bound).
std::string unusable_max(const run_record& run, double foreign_share);

/// The mean achieved rate of `scenario`'s usable max runs (unusable_max),
/// or of all of them when none is usable; 0 without a max run.
double max_rate_of(const scenario_record& scenario, double foreign_share);

/// Records the load average after the run and notes generator-bound max
/// runs and open-loop runs sent late (a busy machine).
void note_conditions(suite_record& suite);

/// The 1, 5 and 15 minute load averages, "0.52 0.58 0.59".
std::string load_average();

}  // namespace linkly::bench
