#include "http/import_stream.hpp"

#include "http/error_messages.hpp"
#include "http/header_text.hpp"
#include "http/reply_response.hpp"

#include "schemas/link_rules.hpp"

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <algorithm>

namespace linkly {

bool is_csv_content_type(std::string_view content_type) {
  return has_media_type(content_type, "text/csv");
}

import_stream::import_stream(std::size_t batch_rows, std::size_t max_errors,
                             std::size_t max_in_flight, std::size_t batch_bytes)
    : batch_rows_(std::max<std::size_t>(batch_rows, 1)),
      batch_bytes_(std::max<std::size_t>(batch_bytes, 1)),
      max_errors_(max_errors),
      max_in_flight_(std::max<std::size_t>(max_in_flight, 1)) {}

void import_stream::feed(std::string_view bytes) {
  lines_.feed(bytes, [this](const csv_line& line) { on_line(line); });
}

void import_stream::finish() {
  lines_.finish([this](const csv_line& line) { on_line(line); });
  finished_ = true;
}

// The same checks and messages as POST /links (json_body.cpp), so a row
// and a request are refused alike.
void import_stream::on_line(const csv_line& line) {
  if (line.number == 1) return;  // the header
  if (line.too_long) {
    return skip(line.number, "line longer than " + std::to_string(kMaxCsvLineBytes) + " bytes");
  }
  std::string_view code, url;
  if (!split_row(line.text, &code, &url)) {
    if (trim_blanks(line.text).empty()) return;  // a blank line
    return skip(line.number, "expected code,url");
  }
  if (url.empty()) return skip(line.number, "missing \"url\"");
  create_link row;
  std::string error;
  if (!normalize_url(url, &row.url, &error)) return skip(line.number, std::move(error));
  if (!code.empty()) {
    if (!validate_custom_code(code, &error)) return skip(line.number, std::move(error));
    row.code.assign(code);
  }
  rows_bytes_ += row.code.size() + row.url.size();
  rows_.push_back(std::move(row));
  row_lines_.push_back(line.number);
}

void import_stream::skip(std::uint64_t line, std::string error) {
  ++skipped_;
  // Batches are recorded in order but a later batch's bad rows are read
  // while an earlier one is in flight: keep the lowest lines.
  if (errors_.size() >= max_errors_ && (max_errors_ == 0 || line > errors_.back().line)) return;
  auto at = std::upper_bound(errors_.begin(), errors_.end(), line,
                             [](std::uint64_t l, const import_error& e) { return l < e.line; });
  errors_.insert(at, import_error{line, std::move(error)});
  if (errors_.size() > max_errors_) errors_.pop_back();
}

import_stream::batch import_stream::start_batch() {
  batch out{next_batch_++, std::move(rows_)};
  flights_.emplace_back(out.id, std::move(row_lines_));
  rows_.clear();
  row_lines_.clear();
  rows_bytes_ = 0;
  rows_.reserve(batch_rows_);
  row_lines_.reserve(batch_rows_);
  return out;
}

void import_stream::record(std::uint64_t id, import_reply reply) {
  auto flight =
      std::find_if(flights_.begin(), flights_.end(), [id](const auto& f) { return f.first == id; });
  if (flight == flights_.end()) return;
  std::vector<std::uint64_t> lines = std::move(flight->second);
  flights_.erase(flight);
  imported_ += reply.imported;
  for (auto& r : reply.refused) {
    if (r.index < lines.size()) skip(lines[r.index], std::move(r.error));
  }
  if (!reply.ok() && !failed_) {
    failed_ = true;
    failure_status_ = http_status_for(reply.code);
    failure_ = "import stopped: " + (reply.error.empty() ? std::string(error_message::kUnavailable)
                                                         : std::move(reply.error));
  }
}

void import_stream::abort(http_status status, std::string reason) {
  if (failed_) return;
  failed_ = true;
  failure_status_ = status;
  failure_ = std::move(reason);
}

http_response import_stream::response() const {
  boost::json::object body;
  if (failed_) body["error"] = failure_;
  body["imported"] = imported_;
  body["skipped"] = skipped_;
  if (!errors_.empty()) {
    boost::json::array list;
    for (const auto& e : errors_)
      list.push_back(boost::json::object{{"line", e.line}, {"error", e.error}});
    body["errors"] = std::move(list);
  }
  return json_response(failed_ ? failure_status_ : http_status::ok, body);
}

}  // namespace linkly
