#include "http/csv_rows.hpp"

#include "http/header_text.hpp"

namespace linkly {

// Keeps up to one byte more than the limit (a trailing '\r' may follow).
void line_splitter::keep(std::string_view piece) {
  std::size_t room = max_line_bytes_ + 1 - std::min(partial_.size(), max_line_bytes_ + 1);
  if (piece.size() > room) {
    overflow_ = true;
    piece = piece.substr(0, room);
  }
  partial_.append(piece);
}

bool split_row(std::string_view line, std::string_view* code, std::string_view* url) {
  auto comma = line.find(',');
  if (comma == std::string_view::npos) return false;
  *code = trim_blanks(line.substr(0, comma));
  *url = trim_blanks(line.substr(comma + 1));
  return true;
}

}  // namespace linkly
