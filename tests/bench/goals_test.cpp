// The suite's goals judged from fabricated runs: each goal met, missed and,
// where the load generator's lag or a generator-bound max spoils the
// numbers, unmeasurable.

#include "bench/harness/goals.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace linkly::bench {
namespace {

const char* const kNginxMax = "queued max >= 0.8x nginx max";
const char* const kOffMax = "queued max >= 0.9x clicks-off max";
const char* const kLost = "zero lost clicks in every run";
const char* const kHalfVsNginx = "p99 at half the queued max <= 1.5x nginx at the same rate";
const char* const kHalfAbsolute = "p99 at half the queued max <= 1.00 ms";
const char* const kLowVsNginx = "p99 at 1,000 req/s <= 1.5x nginx at 1,000 req/s";

// An open-loop run whose every latency is `p99_us` and whose generator
// noticed every request `lag_us` late.
run_record open_run(const std::string& scenario, run_kind kind, double rate, double p99_us,
                    double lag_us = 10) {
  run_record run;
  run.scenario = scenario;
  run.kind = kind;
  run.label = kind == run_kind::low_rate ? "1000/s" : "run";
  run.load.offered_rate = rate;
  for (int i = 0; i < 100; ++i) {
    run.load.redirect_latency.record(static_cast<std::uint64_t>(p99_us * 1000));
    run.load.generator_lag.record(static_cast<std::uint64_t>(lag_us * 1000));
  }
  return run;
}

run_record fraction_run(const std::string& scenario, double fraction, double max, double p99_us,
                        double lag_us = 10) {
  run_record run = open_run(scenario, run_kind::fraction, fraction * max, p99_us, lag_us);
  run.fraction = fraction;
  run.label = std::to_string(static_cast<int>(fraction * 100)) + "%";
  return run;
}

// A closed-loop max run; CPU shares are of one core over a 1 s window.
run_record max_run(const std::string& scenario, double rate, double bench_cpu = 0.5,
                   double server_cpu = 0.95) {
  run_record run;
  run.scenario = scenario;
  run.kind = run_kind::max;
  run.label = "max";
  run.closed_loop = true;
  run.load.achieved_rate = rate;
  run.load.cpu_window_seconds = 1;
  run.load.bench_cpu_seconds = bench_cpu;
  run.load.server_cpu_seconds = server_cpu;
  for (int i = 0; i < 100; ++i) run.load.redirect_latency.record(1'000'000);
  return run;
}

click_audit clean_clicks(std::uint64_t owed) {
  click_audit a;
  a.checked = a.verified = a.settled = true;
  a.owed = a.written = owed;
  return a;
}

scenario_record& add_scenario(suite_record& suite, const std::string& name, double max,
                              run_record max_record) {
  auto& sc = suite.scenarios.emplace_back();
  sc.name = name;
  sc.target = name == "nginx" ? "nginx" : "linkly";
  sc.max_rate = max;
  sc.runs.push_back(std::move(max_record));
  return sc;
}

// A suite that meets every goal: queued at 0.9x nginx and 0.95x off, its
// tails within 1.5x nginx's and under 1 ms, every click written.
suite_record good_suite() {
  suite_record suite;
  suite.settings.p99_target_us = 1000;
  suite.settings.low_rate = 1000;
  suite.settings.generator_lag_share = 0.1;
  auto& queued = add_scenario(suite, "queued", 90'000, max_run("queued", 90'000));
  queued.runs.front().clicks = clean_clicks(360'000);
  queued.runs.push_back(fraction_run("queued", 0.25, 90'000, 300));
  queued.runs.push_back(fraction_run("queued", 0.5, 90'000, 600));
  queued.runs.push_back(open_run("queued", run_kind::low_rate, 1000, 700));
  for (auto& run : queued.runs) run.clicks = clean_clicks(1000);
  add_scenario(suite, "off", 94'000, max_run("off", 94'000));
  auto& nginx = add_scenario(suite, "nginx", 100'000, max_run("nginx", 100'000));
  nginx.runs.push_back(fraction_run("nginx", 0.5, 100'000, 300));
  nginx.runs.push_back(open_run("nginx", run_kind::low_rate, 1000, 600));
  nginx.runs.push_back(open_run("nginx", run_kind::at_queued_half, 45'000, 500));
  return suite;
}

const goal_record& goal(const suite_record& suite, const std::string& name) {
  auto it = std::find_if(suite.goals.begin(), suite.goals.end(),
                         [&](const goal_record& g) { return g.goal == name; });
  if (it == suite.goals.end()) {
    ADD_FAILURE() << "no goal \"" << name << "\"";
    static const goal_record none{};
    return none;
  }
  return *it;
}

run_record& run_of(suite_record& suite, const std::string& scenario, run_kind kind) {
  for (auto& sc : suite.scenarios) {
    if (sc.name != scenario) continue;
    for (auto& run : sc.runs) {
      if (run.kind == kind) return run;
    }
  }
  throw std::logic_error("no such run in the fabricated suite");
}

run_record& queued_half(suite_record& suite) {
  for (auto& run : suite.scenarios.front().runs) {
    if (run.kind == run_kind::fraction && run.fraction == 0.5) return run;
  }
  throw std::logic_error("no queued 50% run in the fabricated suite");
}

void set_p99(run_record& run, double p99_us, double lag_us = 10) {
  run.load.redirect_latency.reset();
  run.load.generator_lag.reset();
  for (int i = 0; i < 100; ++i) {
    run.load.redirect_latency.record(static_cast<std::uint64_t>(p99_us * 1000));
    run.load.generator_lag.record(static_cast<std::uint64_t>(lag_us * 1000));
  }
}

TEST(SuiteGoals, AGoodSuiteMeetsEveryGoal) {
  auto suite = good_suite();
  judge_goals(suite);
  ASSERT_EQ(suite.goals.size(), 6u);
  for (const auto& g : suite.goals) EXPECT_EQ(g.verdict, "met") << g.goal << ": " << g.measured;
  EXPECT_NE(goal(suite, kNginxMax).measured.find("0.900x"), std::string::npos);
  EXPECT_NE(goal(suite, kHalfVsNginx).measured.find("45,000 req/s"), std::string::npos)
      << goal(suite, kHalfVsNginx).measured;
}

TEST(SuiteGoals, ThroughputUnderTheRatiosIsMissed) {
  auto suite = good_suite();
  suite.scenarios[0].max_rate = 70'000;  // 0.70x nginx, 0.74x off
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "missed");
  EXPECT_EQ(goal(suite, kOffMax).verdict, "missed");
  EXPECT_NE(goal(suite, kNginxMax).measured.find("0.700x"), std::string::npos);
}

TEST(SuiteGoals, AGeneratorBoundBaselineMaxCannotProveTheRatio) {
  auto suite = good_suite();
  // The generator at its core's limit while nginx still had room: nginx's
  // real max is higher than measured, so 0.9x is only an upper bound.
  auto& nginx_max = run_of(suite, "nginx", run_kind::max);
  nginx_max.load.bench_cpu_seconds = 0.97;
  nginx_max.load.server_cpu_seconds = 0.6;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "unmeasurable");
  // Below the ratio it is missed all the more.
  suite.goals.clear();
  suite.scenarios[0].max_rate = 70'000;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "missed");
  // Both sides at their limits: the max stands.
  suite.goals.clear();
  suite.scenarios[0].max_rate = 90'000;
  nginx_max.load.server_cpu_seconds = 0.97;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "met");
}

TEST(SuiteGoals, AMaxTheMachineHeldDownProvesNoRatio) {
  auto suite = good_suite();
  // nginx at 16% of its core, the generator at 16%: other work took the CPU,
  // so 0.9x of this max says nothing.
  auto& nginx_max = run_of(suite, "nginx", run_kind::max);
  nginx_max.load.server_cpu_seconds = 0.16;
  nginx_max.load.bench_cpu_seconds = 0.16;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "unmeasurable");
  EXPECT_NE(goal(suite, kNginxMax).measured.find("nginx max: the server used only 16%"),
            std::string::npos)
      << goal(suite, kNginxMax).measured;
  EXPECT_EQ(goal(suite, kOffMax).verdict, "met");
  // queued's own max held down: a ratio under the target is not proven missed.
  suite.goals.clear();
  nginx_max.load.server_cpu_seconds = 0.95;
  suite.scenarios[0].max_rate = 60'000;
  auto& queued_max = run_of(suite, "queued", run_kind::max);
  queued_max.load.server_cpu_seconds = 0.3;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "unmeasurable");
  EXPECT_EQ(goal(suite, kOffMax).verdict, "unmeasurable");
  note_conditions(suite);
  EXPECT_TRUE(std::any_of(suite.notes.begin(), suite.notes.end(), [](const std::string& n) {
    return n.find("queued max: the server used only 30%") != std::string::npos;
  }));
}

TEST(SuiteGoals, OtherWorkOnAPinnedCoreMakesARunUnmeasurable) {
  auto suite = good_suite();
  // 0.3 s of the 1 s window on nginx's core went to other processes.
  auto& nginx_max = run_of(suite, "nginx", run_kind::max);
  nginx_max.load.server_core_foreign_seconds = 0.3;
  nginx_max.load.bench_core_foreign_seconds = 0.0;
  // The generator's core of queued's low-rate run: 20% taken.
  auto& low = run_of(suite, "queued", run_kind::low_rate);
  low.load.cpu_window_seconds = 4;
  low.load.server_core_foreign_seconds = 0.1;
  low.load.bench_core_foreign_seconds = 0.8;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "unmeasurable");
  EXPECT_NE(goal(suite, kNginxMax).measured.find("other work used 30% of the server's core"),
            std::string::npos)
      << goal(suite, kNginxMax).measured;
  EXPECT_EQ(goal(suite, kOffMax).verdict, "met");
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "unmeasurable");
  EXPECT_NE(goal(suite, kLowVsNginx).measured.find("20% of the load generator's core"),
            std::string::npos)
      << goal(suite, kLowVsNginx).measured;
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "met");
  note_conditions(suite);
  EXPECT_TRUE(std::any_of(suite.notes.begin(), suite.notes.end(), [](const std::string& n) {
    return n.find("2 of 9 runs shared a pinned core with other work") != std::string::npos;
  }));
  // Up to the share it is still the run's own core.
  suite.goals.clear();
  low.load.bench_core_foreign_seconds = 0.4;
  nginx_max.load.server_core_foreign_seconds = 0.1;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "met");
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "met");
  // The share is a setting.
  suite.goals.clear();
  nginx_max.load.server_core_foreign_seconds = 0.3;
  suite.settings.foreign_core_share = 0.5;
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "met");
}

TEST(SuiteGoals, ALostOrShedClickInAnyRunMissesZeroLost) {
  auto suite = good_suite();
  auto& low = run_of(suite, "queued", run_kind::low_rate);
  low.clicks.written = 997;
  low.clicks.shed = 3;  // shed by a full queue: not written, so lost
  judge_goals(suite);
  const auto& g = goal(suite, kLost);
  EXPECT_EQ(g.verdict, "missed");
  EXPECT_NE(g.measured.find("3 lost over 4 runs (3 shed by a full queue)"), std::string::npos)
      << g.measured;
}

TEST(SuiteGoals, AQueuedMaxThatShedClicksMissesTheThroughputRatios) {
  auto suite = good_suite();
  auto& max = run_of(suite, "queued", run_kind::max);
  max.clicks = clean_clicks(1000);
  max.clicks.written = 600;
  max.clicks.shed = 400;
  judge_goals(suite);
  for (const char* name : {kNginxMax, kOffMax}) {
    const auto& g = goal(suite, name);
    EXPECT_EQ(g.verdict, "missed") << name;
    EXPECT_NE(g.measured.find("lost 400 clicks (400 shed by a full queue): not sustained"),
              std::string::npos)
        << g.measured;
  }
}

TEST(SuiteGoals, NoClickAuditIsNotMeasured) {
  auto suite = good_suite();
  for (auto& sc : suite.scenarios) {
    for (auto& run : sc.runs) run.clicks = {};
  }
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kLost).verdict, "not measured");
}

TEST(SuiteGoals, ASlowTailAtHalfLoadMissesBothBounds) {
  auto suite = good_suite();
  // 1.2 ms: over 1 ms, and over 1.5x nginx's 500 us at the same rate.
  set_p99(queued_half(suite), 1200);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "missed");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "missed");
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "met");
}

TEST(SuiteGoals, UnderOneMsButOverNginxsBoundIsMissedAgainstNginxOnly) {
  auto suite = good_suite();
  set_p99(queued_half(suite), 800);  // bound 750 us
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "met");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "missed");
}

TEST(SuiteGoals, GeneratorLagMakesAPointUnmeasurableNotMet) {
  auto suite = good_suite();
  // p99 600 us would meet both bounds, but the generator was 150 us late:
  // over 10% of 1 ms and of the 750 us bound against nginx.
  set_p99(queued_half(suite), 600, 150);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "unmeasurable");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "unmeasurable");
  EXPECT_NE(goal(suite, kHalfAbsolute).measured.find("load generator lag p99 150 us > 100 us"),
            std::string::npos)
      << goal(suite, kHalfAbsolute).measured;
}

TEST(SuiteGoals, APointOverItsBoundByMoreThanTheLagIsMissedNotUnmeasurable) {
  auto suite = good_suite();
  // 1.2 ms with 150 us of lag: at least 1.05 ms without it, over 1 ms and
  // over the 750 us bound against nginx.
  set_p99(queued_half(suite), 1200, 150);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "missed");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "missed");
  EXPECT_NE(goal(suite, kHalfAbsolute).measured.find("over the bound by more than that lag"),
            std::string::npos)
      << goal(suite, kHalfAbsolute).measured;
  // 1.08 ms: 930 us without the lag could be under 1 ms, not under 750 us.
  suite.goals.clear();
  set_p99(queued_half(suite), 1080, 150);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "unmeasurable");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "missed");
}

TEST(SuiteGoals, LagInNginxsRunSpoilsOnlyTheComparisonWithIt) {
  auto suite = good_suite();
  // nginx at 1,000 req/s: 600 us with 200 us of generator lag, over 10% of
  // the 900 us bound its p99 sets.
  set_p99(run_of(suite, "nginx", run_kind::low_rate), 600, 200);
  set_p99(run_of(suite, "nginx", run_kind::at_queued_half), 500, 200);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "unmeasurable");
  EXPECT_NE(goal(suite, kLowVsNginx).measured.find("nginx 1000/s"), std::string::npos)
      << goal(suite, kLowVsNginx).measured;
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "unmeasurable");
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "met");  // judged on queued's run alone
}

TEST(SuiteGoals, TheLagShareIsASetting) {
  auto suite = good_suite();
  suite.settings.generator_lag_share = 0.2;  // 200 us of 1 ms, 150 us of 750 us
  set_p99(queued_half(suite), 600, 140);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "met");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "met");
}

TEST(SuiteGoals, TheLowRatePointIsJudgedAgainstNginxThere) {
  auto suite = good_suite();
  set_p99(run_of(suite, "queued", run_kind::low_rate), 950);  // bound 900 us
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "missed");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "met");
}

TEST(SuiteGoals, WithoutNginxTheComparisonsAreNotMeasured) {
  auto suite = good_suite();
  suite.scenarios.pop_back();  // nginx
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "not measured");
  EXPECT_EQ(goal(suite, kHalfVsNginx).verdict, "not measured");
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "not measured");
  EXPECT_EQ(goal(suite, kHalfAbsolute).verdict, "met");
  EXPECT_EQ(goal(suite, kOffMax).verdict, "met");
}

TEST(SuiteGoals, AQueuedRunWithoutAnswersMissesItsPoint) {
  auto suite = good_suite();
  run_of(suite, "queued", run_kind::low_rate).load.redirect_latency.reset();
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kLowVsNginx).verdict, "missed");
}

TEST(SuiteGoals, HalfLoadIsTheFractionRunNearestHalfNotTheLowRateRun) {
  scenario_record sc;
  sc.name = "queued";
  sc.max_rate = 2000;
  sc.runs.push_back(max_run("queued", 2000));
  sc.runs.push_back(open_run("queued", run_kind::low_rate, 1000, 100));  // exactly 50% of max
  sc.runs.push_back(fraction_run("queued", 0.25, 2000, 100));
  sc.runs.push_back(fraction_run("queued", 0.6, 2000, 100));
  sc.runs.push_back(open_run("queued", run_kind::sweep, 1000, 100));
  const run_record* half = half_load_run(sc);
  ASSERT_NE(half, nullptr);
  EXPECT_EQ(half->kind, run_kind::fraction);
  EXPECT_DOUBLE_EQ(half->fraction, 0.6);
  sc.runs.erase(sc.runs.begin() + 2, sc.runs.begin() + 4);
  EXPECT_EQ(half_load_run(sc), nullptr);
}

// A compare run: base-off and off, one max run per round each.
suite_record compare_suite(const std::vector<std::pair<double, double>>& rounds) {
  suite_record suite;
  suite.kind = "compare";
  auto& base = suite.scenarios.emplace_back();
  base.name = "base-off";
  auto& mine = suite.scenarios.emplace_back();
  mine.name = "off";
  for (const auto& [b, m] : rounds) {
    suite.scenarios[0].runs.push_back(max_run("base-off", b));
    suite.scenarios[1].runs.push_back(max_run("off", m));
  }
  return suite;
}

TEST(CompareGoal, TheRatioOfTheMeansDecidesAndTheRoundsAreShown) {
  auto suite = compare_suite({{100'000, 97'000}, {120'000, 110'000}, {110'000, 108'000}});
  judge_compare(suite, 0.95);
  ASSERT_EQ(suite.goals.size(), 1u);
  EXPECT_EQ(suite.goals[0].verdict, "met");  // 315k / 330k = 0.955
  EXPECT_NE(suite.goals[0].measured.find("0.955"), std::string::npos) << suite.goals[0].measured;
  EXPECT_NE(suite.goals[0].measured.find("0.97, 0.92, 0.98"), std::string::npos);

  suite.goals.clear();
  judge_compare(suite, 0.96);
  EXPECT_EQ(suite.goals[0].verdict, "missed");
}

TEST(CompareGoal, DisturbedRoundsAreLeftOutAndTooManyMakeItUnmeasurable) {
  auto suite = compare_suite({{100'000, 50'000}, {100'000, 99'000}, {100'000, 98'000}});
  suite.settings.foreign_core_share = 0.1;
  suite.scenarios[1].runs[0].load.server_core_foreign_seconds = 0.4;  // 40% of a 1 s window
  judge_compare(suite, 0.95);
  EXPECT_EQ(suite.goals[0].verdict, "met");  // the halved round is not counted
  EXPECT_NE(suite.goals[0].measured.find("1 disturbed round(s) left out"), std::string::npos);

  suite.goals.clear();
  suite.scenarios[0].runs[1].load.bench_core_foreign_seconds = 0.5;
  judge_compare(suite, 0.95);
  EXPECT_EQ(suite.goals[0].verdict, "unmeasurable");  // 1 kept, 2 left out
}

// Three interleaved max runs of queued and off, as the suite records them.
suite_record interleaved_suite(const std::vector<double>& queued, const std::vector<double>& off) {
  suite_record suite = good_suite();
  for (auto& sc : suite.scenarios) {
    if (sc.name != "queued" && sc.name != "off") continue;
    const auto& rates = sc.name == "queued" ? queued : off;
    sc.runs.erase(sc.runs.begin());  // the single max run
    for (std::size_t i = 0; i < rates.size(); ++i) {
      run_record run = max_run(sc.name, rates[i]);
      run.label = "max " + std::to_string(i + 1);
      if (sc.name == "queued") run.clicks = clean_clicks(1000);
      sc.runs.insert(sc.runs.begin() + static_cast<std::ptrdiff_t>(i), std::move(run));
    }
  }
  return suite;
}

void set_max_rates(suite_record& suite) {
  for (auto& sc : suite.scenarios) {
    sc.max_rate = max_rate_of(sc, suite.settings.foreign_core_share);
  }
}

TEST(SuiteGoals, InterleavedMaxRunsAreJudgedOnTheirMeans) {
  auto suite = interleaved_suite({80'000, 90'000, 100'000}, {95'000, 100'000, 105'000});
  set_max_rates(suite);
  EXPECT_DOUBLE_EQ(suite.scenarios[0].max_rate, 90'000);
  judge_goals(suite);
  const auto& g = goal(suite, kOffMax);
  EXPECT_EQ(g.verdict, "met") << g.measured;  // 90,000 / 100,000
  EXPECT_NE(g.measured.find("0.900x (90,000 vs 100,000 req/s, means of 3 and 3 interleaved"),
            std::string::npos)
      << g.measured;
  // One slow queued round alone would have missed it.
  EXPECT_LT(run_of(suite, "queued", run_kind::max).load.achieved_rate / 100'000, 0.9);
}

TEST(SuiteGoals, ADisturbedMaxRoundIsLeftOutOfTheMean) {
  auto suite = interleaved_suite({90'000, 90'000, 90'000}, {60'000, 100'000, 100'000});
  // The slow off round shared its core with other work: it says nothing of
  // off's max, and kept in the mean it would make 0.9x look met.
  auto& slow = suite.scenarios[1].runs[0];
  ASSERT_EQ(slow.label, "max 1");
  slow.load.server_core_foreign_seconds = 0.4;
  set_max_rates(suite);
  EXPECT_DOUBLE_EQ(suite.scenarios[1].max_rate, 100'000);
  judge_goals(suite);
  const auto& g = goal(suite, kOffMax);
  EXPECT_EQ(g.verdict, "met") << g.measured;
  EXPECT_NE(g.measured.find("left out; off max 1: other work used 40% of the server's core"),
            std::string::npos)
      << g.measured;
  // Every round of a side disturbed: nothing to judge on.
  suite.goals.clear();
  for (auto& run : suite.scenarios[1].runs) {
    if (run.kind == run_kind::max) run.load.server_core_foreign_seconds = 0.4;
  }
  set_max_rates(suite);
  judge_goals(suite);
  EXPECT_EQ(goal(suite, kOffMax).verdict, "unmeasurable");
  EXPECT_EQ(goal(suite, kNginxMax).verdict, "met");
}

TEST(SuiteGoals, ClicksLostInAnyQueuedMaxRoundMissTheRatios) {
  auto suite = interleaved_suite({95'000, 95'000, 95'000}, {100'000, 100'000, 100'000});
  auto& third = suite.scenarios[0].runs[2];
  ASSERT_EQ(third.label, "max 3");
  third.clicks.written = 990;
  third.clicks.shed = 10;
  set_max_rates(suite);
  judge_goals(suite);
  const auto& g = goal(suite, kOffMax);
  EXPECT_EQ(g.verdict, "missed");
  EXPECT_NE(g.measured.find("queued max 3 lost 10 clicks"), std::string::npos) << g.measured;
}

TEST(SuiteGoals, AMaxRateWithNoUsableRunFallsBackToAllRuns) {
  scenario_record sc;
  sc.runs.push_back(max_run("off", 50'000, 0.2, 0.2));  // held down by the machine
  sc.runs.push_back(max_run("off", 70'000, 0.2, 0.3));
  EXPECT_DOUBLE_EQ(max_rate_of(sc, 0.1), 60'000);
  sc.runs.push_back(max_run("off", 100'000));
  EXPECT_DOUBLE_EQ(max_rate_of(sc, 0.1), 100'000);
  EXPECT_DOUBLE_EQ(max_rate_of(scenario_record{}, 0.1), 0);
}

}  // namespace
}  // namespace linkly::bench
