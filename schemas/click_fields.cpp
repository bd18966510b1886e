#include "schemas/click_fields.hpp"

namespace linkly {

namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char ascii_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

}  // namespace

std::string_view cut_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  // s[cut] is the first byte left out: a continuation byte there means the
  // cut splits a sequence; a UTF-8 sequence has at most 3 of them.
  std::size_t cut = max_bytes;
  for (int back = 0; back < 3 && cut > 0 && is_continuation(s[cut]); ++back) --cut;
  if (is_continuation(s[cut])) cut = max_bytes;  // not UTF-8: a plain byte cut
  return s.substr(0, cut);
}

std::string country_code(std::string_view header) {
  if (header.size() != 2 || !is_ascii_letter(header[0]) || !is_ascii_letter(header[1])) return {};
  std::string code{ascii_upper(header[0]), ascii_upper(header[1])};
  if (code == "XX") return {};
  return code;
}

bool is_host_name(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  if (host.empty() || host.size() > kMaxReferrerHostBytes) return false;
  std::size_t label = 0;
  for (char c : host) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok || ++label > kMaxHostLabelBytes) return false;
  }
  return label > 0;
}

}  // namespace linkly
