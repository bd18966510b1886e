#pragma once
// csv_rows: a CSV byte stream, fed in pieces of any size, cut into lines,
// and a line cut into the two fields of an import row. Only what the import
// needs: no quoting, a row is split on its first comma.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linkly {

/// Longest line kept whole: a code and a url at their limits with room to
/// spare. A longer line is reported truncated, so memory stays bounded.
constexpr std::size_t kMaxCsvLineBytes = 8 * 1024;

struct csv_line {
  std::uint64_t number = 0;  // 1 for the first line
  std::string_view text;     // without "\n" / "\r\n"; valid during the call only
  bool too_long = false;     // `text` is then the line's first bytes
};

/// Cuts lines out of a stream. Lines end with "\n" or "\r\n"; the last one
/// may have no ending. Holds at most one partial line between calls.
class line_splitter {
 public:
  explicit line_splitter(std::size_t max_line_bytes = kMaxCsvLineBytes)
      : max_line_bytes_(max_line_bytes) {}

  /// Calls `on_line(const csv_line&)` for every line `bytes` completes.
  template <class Fn>
  void feed(std::string_view bytes, Fn&& on_line);

  /// End of input: calls `on_line` for a last line without an ending.
  template <class Fn>
  void finish(Fn&& on_line);

  /// Lines completed so far.
  std::uint64_t lines() const { return line_; }

 private:
  void keep(std::string_view piece);
  template <class Fn>
  void emit_partial(Fn& on_line);
  static std::string_view strip_cr(std::string_view s) {
    if (!s.empty() && s.back() == '\r') s.remove_suffix(1);
    return s;
  }

  std::size_t max_line_bytes_;
  std::string partial_;  // the current line's bytes from earlier pieces
  bool overflow_ = false;
  bool pending_ = false;  // a line has begun (partial_ may still be empty)
  std::uint64_t line_ = 0;
};

/// Splits a row on its first comma into trimmed (spaces, tabs) fields.
/// False when there is no comma.
bool split_row(std::string_view line, std::string_view* code, std::string_view* url);

// -- implementation -----------------------------------------------------------

template <class Fn>
void line_splitter::feed(std::string_view bytes, Fn&& on_line) {
  while (!bytes.empty()) {
    auto nl = bytes.find('\n');
    if (nl == std::string_view::npos) {
      keep(bytes);
      pending_ = true;
      return;
    }
    std::string_view piece = bytes.substr(0, nl);
    bytes.remove_prefix(nl + 1);
    ++line_;
    if (!pending_ && piece.size() <= max_line_bytes_ + 1) {
      // The whole line is in this piece: no copy. (+1: its '\r'.)
      std::string_view text = strip_cr(piece);
      bool too_long = text.size() > max_line_bytes_;
      if (too_long) text = text.substr(0, max_line_bytes_);
      on_line(csv_line{line_, text, too_long});
      continue;
    }
    keep(piece);
    emit_partial(on_line);
  }
}

template <class Fn>
void line_splitter::finish(Fn&& on_line) {
  if (!pending_) return;
  ++line_;
  emit_partial(on_line);
}

// The line gathered in partial_ is complete: hand it on and start afresh.
template <class Fn>
void line_splitter::emit_partial(Fn& on_line) {
  std::string_view text = strip_cr(partial_);
  bool too_long = overflow_ || text.size() > max_line_bytes_;
  if (text.size() > max_line_bytes_) text = text.substr(0, max_line_bytes_);
  on_line(csv_line{line_, text, too_long});
  partial_.clear();
  overflow_ = false;
  pending_ = false;
}

}  // namespace linkly
