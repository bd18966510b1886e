#pragma once
// report: a suite's results for people (a table on stdout, a Markdown
// file), for machines (JSON) and as a picture (gnuplot PNG of latency
// percentiles against offered rate, one panel per scenario).

#include "bench/harness/scenarios.hpp"

#include <ostream>
#include <string>

namespace linkly::bench {

/// Runs, sweep, goals, notes and failures as aligned text.
void print_table(std::ostream& out, const suite_record& suite);

std::string markdown_report(const suite_record& suite);
std::string json_report(const suite_record& suite);
/// A gnuplot script that draws the suite into `png_path` (pngcairo).
std::string gnuplot_script(const suite_record& suite, const std::string& png_path);

/// Writes `script` to `script_path` and runs gnuplot on it. Returns "" on
/// success, else why not.
std::string run_gnuplot(const std::string& script_path, const std::string& script);

}  // namespace linkly::bench
