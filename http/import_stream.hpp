#pragma once
// import_stream: the state of one POST /links/import (API.md). The session
// feeds it the body as it arrives; it cuts rows (csv_rows.hpp), checks each
// by the rules of POST /links (link_rules.hpp) and gathers the valid ones
// into batches; the session hands each batch to link_service and records
// the answer here. No sockets and no actors: the session moves the bytes
// and the batches.
//
// Pipelining: up to max_in_flight batches are in flight while the next one
// fills; the session stops reading while a full batch waits for a free
// slot, so at most max_in_flight + 1 batches of rows are held, whatever the
// size of the body. A shard decides a batch after the ones sent to it
// before, whose accepted codes are still busy there: a code repeated
// across batches is a conflict, as within one.
//
// Not thread-safe: every call on the connection's thread.

#include "actors/link_service.hpp"
#include "http/csv_rows.hpp"
#include "http/responses.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// Rows per batch: one append per shard each, so large enough that the
/// group commit's fsync is paid rarely.
constexpr std::size_t kImportBatchRows = 32 * 1024;
/// Bytes of codes and urls per batch: a batch is full at kImportBatchRows
/// rows or this many bytes, so long urls cannot make it tens of MB.
constexpr std::size_t kImportBatchBytes = 4 * 1024 * 1024;
/// Skipped rows whose line and reason the answer lists.
constexpr std::size_t kImportMaxErrors = 10;
/// Batches being written at once: one decided while another is appended.
constexpr std::size_t kImportMaxInFlight = 2;

struct import_error {
  std::uint64_t line = 0;
  std::string error;
};

/// True for a Content-Type naming text/csv (parameters allowed).
bool is_csv_content_type(std::string_view content_type);

class import_stream {
 public:
  explicit import_stream(std::size_t batch_rows = kImportBatchRows,
                         std::size_t max_errors = kImportMaxErrors,
                         std::size_t max_in_flight = kImportMaxInFlight,
                         std::size_t batch_bytes = kImportBatchBytes);

  /// The next bytes of the body.
  void feed(std::string_view bytes);
  /// The body is complete.
  void finish();
  bool finished() const { return finished_; }

  /// Rows are waiting; full: a whole batch of them, by rows or by bytes.
  bool has_rows() const { return !rows_.empty(); }
  bool batch_full() const { return rows_.size() >= batch_rows_ || rows_bytes_ >= batch_bytes_; }
  /// Batches sent and not answered yet.
  std::size_t in_flight() const { return flights_.size(); }
  /// Another batch may be sent: one is due (full, or the last rows) and a
  /// slot is free.
  bool batch_due() const {
    return !failed_ && flights_.size() < max_in_flight_ &&
           (batch_full() || (finished_ && has_rows()));
  }

  struct batch {
    std::uint64_t id = 0;
    std::vector<create_link> rows;
  };
  /// Takes the waiting rows as a batch in flight.
  batch start_batch();
  /// The answer to batch `id`, in any order.
  void record(std::uint64_t id, import_reply reply);

  /// A batch was not written (503), or abort() was called: the import
  /// stops, and answers once the batches in flight are.
  bool failed() const { return failed_; }
  /// The body cannot be read on (over its limit, malformed): the import
  /// stops and answers `status` with `reason` and the counts so far. The
  /// first failure is the one answered.
  void abort(http_status status, std::string reason);

  std::uint64_t imported() const { return imported_; }
  std::uint64_t skipped() const { return skipped_; }
  /// The first skipped rows, by line.
  const std::vector<import_error>& errors() const { return errors_; }

  /// 200 {"imported","skipped"[,"errors":[{"line","error"}]]}, or once
  /// failed() the failure's status with "error" and the counts so far.
  http_response response() const;

 private:
  void on_line(const csv_line& line);
  void skip(std::uint64_t line, std::string error);

  std::size_t batch_rows_;
  std::size_t batch_bytes_;
  std::size_t max_errors_;
  std::size_t max_in_flight_;
  line_splitter lines_;
  std::vector<create_link> rows_;
  std::size_t rows_bytes_ = 0;  // codes and urls in rows_
  std::vector<std::uint64_t> row_lines_;
  // Each batch in flight: its id and the line of each of its rows.
  std::vector<std::pair<std::uint64_t, std::vector<std::uint64_t>>> flights_;
  std::uint64_t next_batch_ = 0;
  std::vector<import_error> errors_;  // sorted by line, at most max_errors_
  std::uint64_t imported_ = 0;
  std::uint64_t skipped_ = 0;
  std::string failure_;  // the answer's "error"
  http_status failure_status_ = http_status::service_unavailable;
  bool finished_ = false;
  bool failed_ = false;
};

}  // namespace linkly
