#pragma once
// The subcommands of the `linkly` executable. Each returns the process's
// exit code and prints its own errors.

#include "app/config.hpp"

#include <cstdint>
#include <string>

namespace linkly {

/// `linkly serve`: runs until SIGTERM/SIGINT (exit 0) or until supervision
/// gives up (exit 1).
int run_serve(const config& cfg);

struct dump_options {
  std::string log = "links";
  std::uint64_t from = 1;
  std::uint64_t limit = UINT64_MAX;
};

/// `linkly log dump`: the log as JSON lines, one event per line.
int run_log_dump(const config& cfg, const dump_options& options);

/// Where a store lives inside the data directory.
std::string store_dir(const config& cfg, const std::string& name);

/// `linkly dlq list`: the dead letters in DATA/dlq as JSON lines (id,
/// queue, error, attempts, failed_at, clicks). Nothing for no store.
int run_dlq_list(const config& cfg);

/// `linkly dlq redrive [--id N]`: appends the dead letter `id` (every one
/// when 0) to the clicks log, then erases it. Non-zero for a missing id or
/// an entry that could not be redriven.
int run_dlq_redrive(const config& cfg, std::uint64_t id);

/// `linkly dlq discard ID`: erases the dead letter; non-zero if missing.
int run_dlq_discard(const config& cfg, std::uint64_t id);

}  // namespace linkly
