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

/// `linkly log stats LOG`: one JSON object: records, first/last seq, counts
/// per event type and per UTC day of the events' timestamps.
int run_log_stats(const config& cfg, const std::string& log_name);

/// `linkly log check links|clicks|all`: reads and decodes every record; one
/// JSON summary line per log; non-zero on any problem (named by seq).
int run_log_check(const config& cfg, const std::string& which);

struct repair_options {
  /// Accept the loss: mark the lost seqs and rewind the projections, but
  /// recreate nothing from them.
  bool truncate = false;
};

/// `linkly log repair`: after records were lost from a log, marks their
/// seqs (RecordsLost, never reused), recreates the links the cache still
/// holds (unless truncate) and rebuilds every projection from the logs.
/// Offline. Prints a JSON summary; 0 when the stores are in step.
int run_log_repair(const config& cfg, const repair_options& options);

struct tail_options {
  std::string log = "links";
  std::string url = "http://127.0.0.1:3111";
  /// links: first seq to print (0: the server's default start).
  std::uint64_t from = 0;
  std::uint64_t limit = UINT64_MAX;
  /// Failed reconnects in a row before giving up.
  int retries = 5;
  /// Sent as "Authorization: Bearer" when not empty.
  std::string token;
};

/// `linkly log tail`: follows a running server's SSE stream, printing each
/// event's data line; 0 on SIGINT/SIGTERM or after `limit` events, 1 when
/// the server is gone for good.
int run_log_tail(const tail_options& options);

struct import_options {
  std::string file;
  std::string server = "http://127.0.0.1:3111";
  /// Sent as "Authorization: Bearer" when not empty.
  std::string token;
};

/// `linkly import FILE.csv`: streams the file to a running server's
/// POST /links/import and prints the JSON answer; 0 on a 2xx answer, 1 on
/// an unreadable file, an unreachable server or any other answer.
int run_import(const import_options& options);

struct replay_options {
  /// "cache", "analytics" or "all"; empty when not given.
  std::string projection;
  /// Rebuild from the events at and after this seq of each log (partial).
  std::uint64_t from = 1;
  bool verify = false;
  /// With as_of: show this link as of links-log seq as_of.
  std::string code;
  std::uint64_t as_of = 0;
};

/// `linkly replay`: rebuild (--projection), compare (--verify) or show a
/// link's past state (--code --as-of). Offline: refuses while a server runs.
int run_replay(const config& cfg, const replay_options& options);

/// `linkly replay --verify`: 0 when every live projection equals a rebuild
/// up to its checkpoints, 1 (differences printed) otherwise.
int run_replay_verify(const config& cfg, const replay_options& options);

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
