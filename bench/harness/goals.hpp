#pragma once
// goals: what a suite's numbers say against linkly's targets (queued vs
// nginx throughput, p99 at half the max, the cost of inline clicks, lost
// clicks), and notes on conditions that make numbers unreliable.

#include "bench/harness/scenarios.hpp"

#include <string>

namespace linkly::bench {

/// Fills suite.goals from its scenarios; a goal whose runs are missing is
/// "not measured".
void judge_goals(suite_record& suite);

/// Records the load average after the run and notes generator-bound max
/// runs and open-loop runs sent late (a busy machine).
void note_conditions(suite_record& suite);

/// The 1, 5 and 15 minute load averages, "0.52 0.58 0.59".
std::string load_average();

}  // namespace linkly::bench
