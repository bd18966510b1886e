#pragma once
// run_linkly: runs the `linkly` executable to completion (e.g. `linkly log
// dump links --data DIR`) and captures what it printed.

#include "tests/support/child_process.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace linkly::e2e {

struct cli_result {
  exit_status status;
  std::string out;  // stdout
  std::string err;  // stderr
  bool timed_out = false;

  int exit_code() const { return status.exited() ? status.code : -1; }
  /// stdout split into lines, without the final empty one.
  std::vector<std::string> out_lines() const;
  /// Everything, for failure messages.
  std::string describe() const;
};

struct cli_options {
  std::vector<std::pair<std::string, std::string>> env;
  /// Killed (SIGKILL, timed_out) if it runs longer.
  std::chrono::milliseconds timeout{30'000};
};

/// The `linkly` executable under test: $LINKLY_BIN. Throws
/// std::runtime_error when the variable is unset (ctest sets it).
std::string linkly_binary();

/// Runs `$LINKLY_BIN args...`.
cli_result run_linkly(const std::vector<std::string>& args, const cli_options& options = {});

}  // namespace linkly::e2e
