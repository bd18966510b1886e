#pragma once
// scenarios: what linkly-bench measures and in what order.
//
// Every scenario gets its own server, started from a copy of one template
// data directory preloaded with the links, so all start from the same
// state. The server is pinned to one CPU and the load generator to another
// (on machines with two or more), so each side has a core of its own.
//
// The standard suite, per scenario (queued, inline, off, nginx, in that
// order): a closed-loop run finds the highest rate, then open-loop runs at
// fractions of it give latency against offered rate, and one open-loop run
// at the fixed low rate (1,000 req/s) gives the tail of a nearly idle
// server. nginx also runs at the exact rate of queued's half-load run, so
// their tails compare at the same offered rate. For queued, a bisection
// finds the highest rate whose p99 stays under the target; mixed (a share
// of creates among redirects) runs open loop at a fraction of queued's max.
//
// Checks, whose failure makes the exit status non-zero: every answer has
// the right status and Location, no connection fails, and linkly's written
// clicks (its /metrics, once every redirect it answered reached the click
// path and the count is still) equal the 302s it answered; clicks shed by a
// full queue are reported as such, and a run whose counters could not be
// read afterwards counts all its clicks as lost.

#include "bench/harness/link_set.hpp"
#include "bench/harness/load_generator.hpp"
#include "bench/harness/server_metrics.hpp"

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace linkly::bench {

struct bench_settings {
  std::string linkly_binary;
  std::string nginx_binary;              // empty: no nginx baseline
  std::string work_dir;                  // data directories go under it
  std::vector<std::string> linkly_args;  // appended to every `linkly serve`
  std::string link_fields;               // workload_options::link_fields
  std::string redirect_query;            // workload_options::redirect_query
  std::uint64_t links = 100'000;
  code_distribution distribution = code_distribution::uniform;
  double zipf_exponent = 0.99;
  std::uint64_t seed = 42;
  std::size_t connections = 32;
  std::size_t preload_connections = 64;
  std::chrono::milliseconds warmup{1'000};
  std::chrono::milliseconds duration{4'000};
  std::chrono::milliseconds drain_timeout{5'000};
  std::vector<double> fractions{0.25, 0.5, 0.75, 0.9};
  /// req/s of the fixed low-load point every scenario also runs at, the
  /// same for all so their tails compare; 0: no such run.
  double low_rate = 1'000;
  int sweep_steps = 4;
  double p99_target_us = 1'000;
  /// A p99 point whose load generator noticed due requests later (at p99)
  /// than this share of the bound the point is judged against is
  /// unmeasurable: the generator's own stalls are in its latencies.
  double generator_lag_share = 0.1;
  /// A run in which other work used more than this share of the server's
  /// or the generator's pinned core (core_load) measured the machine as much
  /// as the server: no goal rests on it.
  double foreign_core_share = 0.1;
  /// load_options::spin_within of every open-loop run. Off by default: on
  /// a machine busy with other work a spinning generator is preempted for
  /// whole time slices, and its lag grows instead of shrinking.
  std::chrono::microseconds pacer_spin{0};
  double mixed_create_share = 0.01;
  double mixed_fraction = 0.5;
  /// Closed-loop max runs of queued, off and nginx, interleaved: round r
  /// runs each once, in an order rotated by r, so a drift of the machine's
  /// speed between scenarios weighs on all of them. A scenario's max rate
  /// (and so its goals' ratios and its open-loop rates) is the mean of its
  /// undisturbed rounds (max_rate_of). 1: a single max run each, at the
  /// start of its curve.
  int max_rounds = 3;
  std::vector<std::string> scenarios{"queued", "inline", "off", "nginx", "mixed"};
  int server_cpu = 0;  // -1: no pinning
  int bench_cpu = 1;
};

/// linkly's written clicks against the 302s it answered in one run.
struct click_audit {
  bool checked = false;
  bool settled = false;  // clicks accounted for and count still before the timeout
  /// false: /metrics could not be read after the run (or went backwards):
  /// nothing was verified and every click owed counts as lost.
  bool verified = false;
  std::uint64_t owed = 0;      // 302s answered, warm-up included
  std::uint64_t written = 0;   // linkly_clicks_written_total, this run's share
  std::uint64_t shed = 0;      // linkly_clicks_shed_total, this run's share
  std::uint64_t in_doubt = 0;  // redirects whose answer was lost
  std::uint64_t lost() const { return owed > written ? owed - written : 0; }
};

/// Why a run was made, so the goals find their runs by what they are
/// rather than by rate (a low-rate run can be the one nearest 50%).
enum class run_kind {
  max,             // closed loop
  fraction,        // open loop at a fraction of the scenario's max
  low_rate,        // open loop at bench_settings::low_rate
  at_queued_half,  // nginx, open loop at the offered rate of queued's half-load run
  sweep,           // queued's p99 bisection
  mixed,
  rate,  // `linkly-bench run --rate`
};

std::string to_string(run_kind kind);

struct run_record {
  std::string scenario;
  std::string label;  // "max", "50%", "1000/s", "queued 50%", "sweep", "mixed", "rate"
  run_kind kind = run_kind::rate;
  double fraction = 0;  // run_kind::fraction: of the scenario's max
  bool closed_loop = false;
  load_result load;
  click_audit clicks;
  /// linkly: how long its projections took to catch up before the run
  /// started (leftovers of the previous run would steal the server's CPU).
  double quiesce_seconds = 0;
  std::vector<std::string> failures;
};

struct scenario_record {
  std::string name;
  std::string target;       // "linkly" or "nginx"
  std::string clicks_mode;  // linkly only
  bool skipped = false;
  std::string note;
  double max_rate = 0;
  std::vector<run_record> runs;
};

struct sweep_record {
  bool ran = false;
  bool found = false;
  double best_rate = 0;
  double best_p99_us = 0;
  bool missed = false;    // some run missed the target
  double upper_rate = 0;  // the lowest rate seen to miss the target (when missed)
};

struct goal_record {
  std::string goal;
  std::string measured;
  std::string verdict;  // "met", "missed", "unmeasurable", "not measured"
};

struct suite_record {
  bench_settings settings;
  std::string kind;  // "suite" or "run"
  std::vector<scenario_record> scenarios;
  sweep_record sweep;
  std::vector<goal_record> goals;
  std::vector<std::string> failures;
  std::vector<std::string> notes;
  double preload_seconds = 0;
  double wall_seconds = 0;
  bool pinned = false;         // both sides really pinned
  bool bench_pinned = false;   // the load generator's thread
  bool server_pinned = false;  // every server, its affinity checked after start
  int cpus = 0;
  std::string load_before;  // /proc/loadavg when the suite started
  std::string load_after;
};

/// The standard suite over settings.scenarios.
suite_record run_suite(const bench_settings& settings);
/// One scenario at one open-loop rate, or closed loop when rate is 0.
suite_record run_one(const bench_settings& settings, const std::string& scenario, double rate);

/// `linkly-bench compare`: one closed-loop scenario against a base build
/// and this one, alternated (base first in odd rounds, this build first in
/// even ones, so a drift of the machine weighs on both) in one run. The
/// base build gets plain links and no query, what it knew; this build gets
/// settings.link_fields and redirect_query. Its scenarios are "base-NAME"
/// and "NAME", one max run per round each, and its goal the ratio of their
/// means (judge_compare).
struct compare_options {
  std::string base_binary;
  std::string scenario = "off";
  int rounds = 6;
  double least_ratio = 0.95;  // this build's max / the base's, at least
  /// Appended to this build's `linkly serve` only (after
  /// settings.linkly_args), e.g. the settings of cluster mode.
  std::vector<std::string> this_args;
};
suite_record run_compare(const bench_settings& settings, const compare_options& options);

/// The scenario names run_one and settings.scenarios accept.
const std::vector<std::string>& scenario_names();

/// The audit of one run from the counters before and after it.
click_audit audit_clicks(const click_counters& before, const settled_clicks& after,
                         std::uint64_t owed, std::uint64_t in_doubt);

/// Percentile latencies of a run in microseconds.
double percentile_us(const latency_histogram& h, double percentile);

}  // namespace linkly::bench
