#include "bench/harness/report.hpp"

#include "bench/harness/text_format.hpp"

#include <boost/json.hpp>

#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <vector>

extern char** environ;

namespace linkly::bench {

namespace {

namespace json = boost::json;

std::string cpu_percent(double cpu_seconds, double window) {
  if (cpu_seconds < 0 || window <= 0) return "-";
  return fixed(100 * cpu_seconds / window, 0) + "%";
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", std::gmtime(&t));
  return buf;
}

// Other work's share of the server's / the generator's core.
std::string other_cpu(const load_result& r) {
  if (r.server_core_foreign_seconds < 0 && r.bench_core_foreign_seconds < 0) return "-";
  return cpu_percent(r.server_core_foreign_seconds, r.cpu_window_seconds) + " / " +
         cpu_percent(r.bench_core_foreign_seconds, r.cpu_window_seconds);
}

struct row {
  std::vector<std::string> cells;
};

const std::vector<std::string> kHeader = {
    "scenario",    "run",        "offered/s", "achieved/s", "p50",
    "p90",         "p99",        "p99.9",     "max",        "send lag p99",
    "gen lag p99", "server CPU", "bench CPU", "other CPU",  "clicks written/owed",
    "lost",        "checks"};

std::vector<row> run_rows(const suite_record& suite) {
  std::vector<row> rows;
  for (const auto& sc : suite.scenarios) {
    if (sc.skipped && sc.runs.empty()) {
      std::vector<std::string> cells(kHeader.size(), "-");
      cells[0] = sc.name;
      cells[1] = "skipped";
      cells.back() = sc.note;
      rows.push_back({cells});
      continue;
    }
    for (const auto& run : sc.runs) {
      const auto& r = run.load;
      const auto& h = r.redirect_latency;
      const auto& a = run.clicks;
      std::string clicks = !a.checked ? "-" : thousands(a.written) + " / " + thousands(a.owed);
      std::string lost = !a.checked ? "-" : thousands(a.lost());
      if (a.checked && !a.verified) lost += " (unverified)";
      if (a.checked && a.shed > 0) lost += " (" + thousands(a.shed) + " shed)";
      std::string checks = run.failures.empty() ? "ok" : run.failures.front();
      if (run.failures.size() > 1) checks += " (+" + std::to_string(run.failures.size() - 1) + ")";
      rows.push_back({{sc.name, run.label, run.closed_loop ? "closed" : thousands(r.offered_rate),
                       thousands(r.achieved_rate), latency_text(percentile_us(h, 50)),
                       latency_text(percentile_us(h, 90)), latency_text(percentile_us(h, 99)),
                       latency_text(percentile_us(h, 99.9)), latency_text(percentile_us(h, 100)),
                       run.closed_loop ? "-" : latency_text(percentile_us(r.send_lag, 99)),
                       run.closed_loop ? "-" : latency_text(percentile_us(r.generator_lag, 99)),
                       cpu_percent(r.server_cpu_seconds, r.cpu_window_seconds),
                       cpu_percent(r.bench_cpu_seconds, r.cpu_window_seconds), other_cpu(r), clicks,
                       lost, checks}});
      if (r.create_latency.count() > 0) {
        const auto& c = r.create_latency;
        rows.push_back(
            {{"", "creates", "-", "-", latency_text(percentile_us(c, 50)),
              latency_text(percentile_us(c, 90)), latency_text(percentile_us(c, 99)),
              latency_text(percentile_us(c, 99.9)), latency_text(percentile_us(c, 100)), "", "", "",
              "", "", "", "", thousands(static_cast<double>(c.count())) + " creates"}});
      }
    }
  }
  return rows;
}

std::string sweep_line(const suite_record& suite) {
  const auto& sw = suite.sweep;
  std::string target = latency_text(suite.settings.p99_target_us);
  if (!sw.ran) return "";
  if (!sw.found) return "no rate tried kept p99 under " + target + " (queued)";
  // An upper bound only when some run really missed, not the untested max.
  std::string upper = sw.missed ? "; " + thousands(sw.upper_rate) + " req/s missed it" : "";
  return "highest rate with p99 under " + target + " (queued): " + thousands(sw.best_rate) +
         " req/s (p99 " + latency_text(sw.best_p99_us) + upper + ")";
}

std::string setup_line(const suite_record& suite) {
  const auto& s = suite.settings;
  std::ostringstream out;
  out << thousands(static_cast<double>(s.links)) << " links ("
      << (s.distribution == code_distribution::zipf ? "Zipf " + fixed(s.zipf_exponent, 2)
                                                    : std::string("uniform"))
      << "), " << s.connections << " keep-alive connections, warm-up " << s.warmup.count()
      << " ms + " << s.duration.count() << " ms per run; ";
  if (suite.pinned) {
    out << "server pinned to CPU " << s.server_cpu << ", load generator to CPU " << s.bench_cpu;
  } else if (suite.bench_pinned) {
    out << "load generator pinned to CPU " << s.bench_cpu << ", server not pinned";
  } else {
    out << "no CPU pinning";
  }
  out << "; linkly: serve --http-io-threads 1 --clicks-mode MODE";
  for (const auto& a : s.linkly_args) out << ' ' << a;
  if (!s.link_fields.empty()) out << "; links created with " << s.link_fields;
  if (!s.redirect_query.empty()) out << "; redirects with ?" << s.redirect_query;
  out << ", defaults otherwise; nginx: 1 worker, return 302";
  if (s.pacer_spin.count() > 0) {
    out << "; open-loop generator polling for the last " << s.pacer_spin.count()
        << " us before each request";
  }
  return out.str();
}

double panels_max_offered(const scenario_record& sc) {
  double most = 0;
  for (const auto& r : sc.runs) most = std::max(most, r.load.offered_rate);
  return most;
}

}  // namespace

void print_table(std::ostream& out, const suite_record& suite) {
  auto rows = run_rows(suite);
  std::vector<std::size_t> width(kHeader.size());
  for (std::size_t i = 0; i < kHeader.size(); ++i) width[i] = kHeader[i].size();
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.cells.size() && i + 1 < width.size(); ++i) {
      width[i] = std::max(width[i], r.cells[i].size());
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      out << (i == 0 ? "" : "  ") << std::left << std::setw(static_cast<int>(width[i])) << cells[i];
    }
    out << '\n';
  };
  out << setup_line(suite) << "\n\n";
  line(kHeader);
  for (const auto& r : rows) line(r.cells);
  if (auto sw = sweep_line(suite); !sw.empty()) out << '\n' << sw << '\n';
  if (!suite.goals.empty()) {
    out << "\ngoals:\n";
    for (const auto& g : suite.goals) {
      out << "  [" << g.verdict << "] " << g.goal << ": " << g.measured << '\n';
    }
  }
  for (const auto& n : suite.notes) out << "note: " << n << '\n';
  for (const auto& f : suite.failures) out << "FAILED: " << f << '\n';
  out << (suite.failures.empty() ? "all checks passed" : "checks FAILED") << ", wall time "
      << fixed(suite.wall_seconds, 1) << " s (preload " << fixed(suite.preload_seconds, 1)
      << " s)\n";
}

std::string markdown_report(const suite_record& suite) {
  std::ostringstream md;
  md << "# Redirect latency (`linkly-bench " << suite.kind << "`)\n\n"
     << "Measured " << utc_now() << " in " << fixed(suite.wall_seconds, 0) << " s. "
     << setup_line(suite) << ". " << suite.cpus << " CPUs, load average before the run "
     << suite.load_before << ".\n\n"
     << "Open-loop runs send at a fixed rate and count each request's latency from when it "
        "was due (coordinated omission corrected); `max` is a closed loop, each connection "
        "sending as soon as its answer arrives. Send lag is how late open-loop requests went "
        "out (a busy connection, or the generator itself falling behind); generator lag is how "
        "late "
        "the generator itself noticed a request falling due. CPU is the share of "
        "one core used over the measured window; other CPU is the share of the server's / "
        "the generator's core that other work took (other processes' user time plus steal), "
        "and a run over "
     << fixed(100 * suite.settings.foreign_core_share, 0)
     << "% there proves nothing for the goals.";
  if (suite.kind == "suite") {
    md << " Each scenario also runs at a fixed low rate (`" << std::llround(suite.settings.low_rate)
       << "/s`), and nginx at the offered rate of queued's half-load run (`queued 50%`), so "
          "the goals compare tails at the same offered rate; a p99 goal whose runs' "
          "generator lag p99 exceeds "
       << fixed(100 * suite.settings.generator_lag_share, 0)
       << "% of the bound it is judged against is unmeasurable.";
  }
  md << "\n\n";
  auto rows = run_rows(suite);
  md << '|';
  for (const auto& h : kHeader) md << ' ' << h << " |";
  md << "\n|";
  for (std::size_t i = 0; i < kHeader.size(); ++i) md << " --- |";
  md << '\n';
  for (const auto& r : rows) {
    md << '|';
    for (const auto& c : r.cells) md << ' ' << c << " |";
    md << '\n';
  }
  if (auto sw = sweep_line(suite); !sw.empty()) md << "\n" << sw << ".\n";
  if (!suite.goals.empty()) {
    md << "\n| goal | measured | verdict |\n| --- | --- | --- |\n";
    for (const auto& g : suite.goals) {
      md << "| " << g.goal << " | " << g.measured << " | " << g.verdict << " |\n";
    }
  }
  if (!suite.notes.empty() || !suite.failures.empty()) md << '\n';
  for (const auto& n : suite.notes) md << "- note: " << n << '\n';
  for (const auto& f : suite.failures) md << "- **failed**: " << f << '\n';
  md << "\nChecks: " << (suite.failures.empty() ? "all passed" : "FAILED") << ".\n";
  return md.str();
}

std::string json_report(const suite_record& suite) {
  const auto& s = suite.settings;
  json::object root;
  root["kind"] = suite.kind;
  root["measured_at"] = utc_now();
  root["wall_seconds"] = suite.wall_seconds;
  root["preload_seconds"] = suite.preload_seconds;
  root["checks_passed"] = suite.failures.empty();
  root["machine"] = {{"cpus", suite.cpus},
                     {"load_average_before", suite.load_before},
                     {"load_average_after", suite.load_after}};
  root["settings"] = {
      {"links", s.links},
      {"distribution", s.distribution == code_distribution::zipf ? "zipf" : "uniform"},
      {"zipf_exponent", s.zipf_exponent},
      {"connections", s.connections},
      {"warmup_ms", s.warmup.count()},
      {"duration_ms", s.duration.count()},
      {"pinned", suite.pinned},
      {"bench_pinned", suite.bench_pinned},
      {"server_pinned", suite.server_pinned},
      {"server_cpu", s.server_cpu},
      {"bench_cpu", s.bench_cpu},
      {"linkly_args", json::value_from(s.linkly_args)},
      {"p99_target_us", s.p99_target_us},
      {"low_rate", s.low_rate},
      {"generator_lag_share", s.generator_lag_share},
      {"pacer_spin_us", s.pacer_spin.count()},
      {"foreign_core_share", s.foreign_core_share}};
  json::array scenarios;
  for (const auto& sc : suite.scenarios) {
    json::array runs;
    for (const auto& run : sc.runs) {
      const auto& r = run.load;
      auto latencies = [](const latency_histogram& h) {
        return json::object{{"count", h.count()},
                            {"p50_us", percentile_us(h, 50)},
                            {"p90_us", percentile_us(h, 90)},
                            {"p99_us", percentile_us(h, 99)},
                            {"p999_us", percentile_us(h, 99.9)},
                            {"max_us", percentile_us(h, 100)},
                            {"mean_us", h.mean() / 1000}};
      };
      json::object o{{"label", run.label},
                     {"kind", to_string(run.kind)},
                     {"closed_loop", run.closed_loop},
                     {"offered_rate", r.offered_rate},
                     {"achieved_rate", r.achieved_rate},
                     {"window_seconds", r.window_seconds},
                     {"redirects", latencies(r.redirect_latency)},
                     {"sent", r.sent},
                     {"answered", r.answered},
                     {"wrong_status", r.wrong_status},
                     {"wrong_location", r.wrong_location},
                     {"io_errors", r.io_errors},
                     {"unanswered", r.unanswered},
                     {"server_cpu_seconds", r.server_cpu_seconds},
                     {"bench_cpu_seconds", r.bench_cpu_seconds},
                     {"cpu_window_seconds", r.cpu_window_seconds},
                     {"server_core_foreign_seconds", r.server_core_foreign_seconds},
                     {"bench_core_foreign_seconds", r.bench_core_foreign_seconds},
                     {"quiesce_seconds", run.quiesce_seconds},
                     {"failures", json::value_from(run.failures)},
                     {"problems", json::value_from(r.problems)}};
      if (run.kind == run_kind::fraction) o["fraction"] = run.fraction;
      if (r.create_latency.count() > 0) o["creates"] = latencies(r.create_latency);
      if (r.send_lag.count() > 0) o["send_lag"] = latencies(r.send_lag);
      if (r.generator_lag.count() > 0) o["generator_lag"] = latencies(r.generator_lag);
      if (run.clicks.checked) {
        const auto& a = run.clicks;
        o["clicks"] = {{"owed", a.owed},        {"written", a.written},   {"shed", a.shed},
                       {"lost", a.lost()},      {"in_doubt", a.in_doubt}, {"settled", a.settled},
                       {"verified", a.verified}};
      }
      runs.push_back(std::move(o));
    }
    scenarios.push_back(json::object{{"name", sc.name},
                                     {"target", sc.target},
                                     {"clicks_mode", sc.clicks_mode},
                                     {"skipped", sc.skipped},
                                     {"note", sc.note},
                                     {"max_rate", sc.max_rate},
                                     {"runs", std::move(runs)}});
  }
  root["scenarios"] = std::move(scenarios);
  if (suite.sweep.ran) {
    root["p99_sweep"] = {{"scenario", "queued"},
                         {"found", suite.sweep.found},
                         {"best_rate", suite.sweep.best_rate},
                         {"best_p99_us", suite.sweep.best_p99_us},
                         {"missed", suite.sweep.missed},
                         {"upper_rate", suite.sweep.upper_rate}};
  }
  json::array goals;
  for (const auto& g : suite.goals) {
    goals.push_back({{"goal", g.goal}, {"measured", g.measured}, {"verdict", g.verdict}});
  }
  root["goals"] = std::move(goals);
  root["notes"] = json::value_from(suite.notes);
  root["failures"] = json::value_from(suite.failures);
  return json::serialize(root) + "\n";
}

std::string gnuplot_script(const suite_record& suite, const std::string& png_path) {
  std::vector<const scenario_record*> panels;
  for (const auto& sc : suite.scenarios) {
    bool open = std::any_of(sc.runs.begin(), sc.runs.end(), [](auto& r) { return !r.closed_loop; });
    if (open) panels.push_back(&sc);
  }
  std::size_t rows = std::max<std::size_t>(1, (panels.size() + 1) / 2);
  std::ostringstream gp;
  gp << "# Generated by linkly-bench: latency percentiles against offered rate.\n"
     << "set terminal pngcairo size 1400," << 420 * rows << " font 'sans,10'\n"
     << "set output '" << png_path << "'\n";
  for (std::size_t i = 0; i < panels.size(); ++i) {
    std::vector<const run_record*> open;
    for (const auto& r : panels[i]->runs) {
      if (!r.closed_loop) open.push_back(&r);
    }
    std::sort(open.begin(), open.end(),
              [](auto* a, auto* b) { return a->load.offered_rate < b->load.offered_rate; });
    gp << "$d" << i << " << EOD\n";
    for (const auto* r : open) {
      const auto& h = r->load.redirect_latency;
      gp << r->load.offered_rate << ' ' << percentile_us(h, 50) / 1000 << ' '
         << percentile_us(h, 90) / 1000 << ' ' << percentile_us(h, 99) / 1000 << ' '
         << percentile_us(h, 99.9) / 1000 << '\n';
    }
    gp << "EOD\n";
  }
  gp << "set multiplot layout " << rows
     << ",2 title 'linkly-bench: redirect latency against "
        "offered rate (open loop)'\n"
     << "set logscale y\nset grid\nset key top left\n"
     << "set xlabel 'offered rate (req/s)'\nset ylabel 'latency (ms)'\n";
  double target_ms = suite.settings.p99_target_us / 1000;
  for (std::size_t i = 0; i < panels.size(); ++i) {
    const auto* sc = panels[i];
    double right = 1.05 * std::max(sc->max_rate, panels_max_offered(*sc));
    gp << "set xrange [0:" << right << "]\n";
    gp << "unset arrow\nset title '" << sc->name << " (max " << thousands(sc->max_rate)
       << " req/s)'\n";
    if (sc->max_rate > 0) {
      gp << "set arrow from " << sc->max_rate << ", graph 0 to " << sc->max_rate
         << ", graph 1 nohead dt 3 lc rgb 'gray'\n";
    }
    gp << "plot $d" << i << " using 1:2 with linespoints title 'p50', "
       << "$d" << i << " using 1:3 with linespoints title 'p90', "
       << "$d" << i << " using 1:4 with linespoints title 'p99', "
       << "$d" << i << " using 1:5 with linespoints title 'p99.9', " << target_ms
       << " with lines dt 2 lc rgb 'red' title 'p99 target'\n";
  }
  gp << "unset multiplot\n";
  return gp.str();
}

std::string run_gnuplot(const std::string& script_path, const std::string& script) {
  {
    std::ofstream out(script_path);
    out << script;
    if (!out) return "cannot write " + script_path;
  }
  std::string program = "gnuplot";
  std::vector<char*> argv = {program.data(), const_cast<char*>(script_path.c_str()), nullptr};
  pid_t pid = 0;
  if (int err = ::posix_spawnp(&pid, "gnuplot", nullptr, nullptr, argv.data(), environ); err != 0) {
    return "cannot run gnuplot: " + std::string(std::strerror(err));
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return "lost track of gnuplot";
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return "gnuplot failed on " + script_path;
  }
  return "";
}

}  // namespace linkly::bench
