#pragma once
// Reading header values (and CSV fields, which follow the same rules):
// optional whitespace is spaces and tabs (RFC 9110 OWS), tokens compare
// case-insensitively in ASCII (boost::beast::iequals, never the locale).

#include <boost/beast/core/string.hpp>

#include <string_view>

namespace linkly {

/// `s` without leading and trailing spaces and tabs.
constexpr std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// Whether a Content-Type value names `media` (any case, any parameters).
inline bool has_media_type(std::string_view content_type, std::string_view media) {
  return boost::beast::iequals(trim_blanks(content_type.substr(0, content_type.find(';'))), media);
}

}  // namespace linkly
