#pragma once
// mixed_workload: a short, fixed history for the offline tools' tests, run
// against a real server that is stopped (cleanly) afterwards.
//
//   links log: 1 create a, 2 create b, 3 create c, 4 update a, 5 delete b
//   clicks:    /s/a three times, /s/c once (none when clicks are off)

#include "tests/support/linkly_cli.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

namespace linkly::e2e {

struct workload_counts {
  std::uint64_t created = 3;
  std::uint64_t updated = 1;
  std::uint64_t deleted = 1;
  std::uint64_t redirects = 4;
  std::uint64_t links_events() const { return created + updated + deleted; }
};

/// Runs the workload on a server over `data_dir`; returns false (and says why
/// in `*why`) when a request or the shutdown did not go as expected.
bool run_mixed_workload(const std::string& data_dir, const server_options& options,
                        std::string* why);

/// A data directory holding the workload's history, and the offline CLI on it.
class MixedWorkloadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string why;
    ASSERT_TRUE(run_mixed_workload(data_.path(), {}, &why)) << why;
  }

  /// `linkly ARGS... --data DIR`.
  cli_result run(std::vector<std::string> args) {
    args.push_back("--data");
    args.push_back(data_.path());
    return run_linkly(args);
  }

  temp_dir data_;
};

}  // namespace linkly::e2e
