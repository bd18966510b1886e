#include "schemas/link_rules.hpp"

// Header-only data: the route table names the codes routes take.
#include "http/route_table.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace linkly {

namespace {

// Words a short link must not take beyond the route names (kRouteTable's
// first segments): kept free for routes to come and for names people
// mistake for routes. Compared case-blind.
constexpr std::array<std::string_view, 7> kReservedWords = {"api",   "static", "assets", "health",
                                                            "stats", "import", "favicon"};

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && boost::beast::iequals(s.substr(0, prefix.size()), prefix);
}

// "name:" at the start, where name is a URI scheme and what follows is not a
// port number: "javascript:..." and "mailto:..." are schemes, "localhost:8080"
// and "example.com:80/x" are hosts with ports.
bool has_foreign_scheme(std::string_view s) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (std::size_t i = 0; i < colon; ++i) {
    char c = s[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) {
      return false;
    }
  }
  if (s.substr(0, colon).find('.') != std::string_view::npos) return false;
  bool port_follows =
      colon + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[colon + 1]));
  return !port_follows;
}

}  // namespace

bool normalize_url(std::string_view input, std::string* out, std::string* error) {
  for (char c : input) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) {
      *error = "invalid url: whitespace or control characters are not allowed";
      return false;
    }
  }
  std::string url;
  if (starts_with_icase(input, "http://") || starts_with_icase(input, "https://")) {
    url.assign(input);
  } else if (has_foreign_scheme(input)) {
    *error = "invalid url: only http and https urls are allowed";
    return false;
  } else {
    url = "https://";
    url.append(input);
  }
  if (url.size() > kMaxUrlBytes) {
    *error = "invalid url: longer than " + std::to_string(kMaxUrlBytes) + " bytes";
    return false;
  }
  // parse_uri, not parse_absolute_uri: the latter's grammar has no fragment,
  // and "https://host/page#section" is a link people shorten.
  auto parsed = boost::urls::parse_uri(url);
  if (!parsed) {
    *error = "invalid url: not an absolute http(s) url";
    return false;
  }
  if (!parsed->has_authority() || parsed->encoded_host().empty()) {
    *error = "invalid url: it has no host";
    return false;
  }
  *out = std::move(url);
  return true;
}

bool is_safe_location(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return false;
  if (!starts_with_icase(url, "http://") && !starts_with_icase(url, "https://")) return false;
  return std::none_of(url.begin(), url.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

bool is_code_syntax(std::string_view code) {
  if (code.empty() || code.size() > kMaxCodeBytes) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

bool validate_custom_code(std::string_view code, std::string* error) {
  if (!is_code_syntax(code)) {
    *error = "invalid code: use 1-" + std::to_string(kMaxCodeBytes) +
             " characters from A-Z, a-z, 0-9, '_' and '-'";
    return false;
  }
  // "/links" would shadow "/{code}" for a link named "links": every route's
  // first segment is taken.
  bool reserved = std::any_of(kRouteTable.begin(), kRouteTable.end(), [&](const route_spec& r) {
    std::string_view word = first_literal_segment(r.pattern);
    return !word.empty() && boost::beast::iequals(code, word);
  });
  reserved = reserved ||
             std::any_of(kReservedWords.begin(), kReservedWords.end(),
                         [&](std::string_view word) { return boost::beast::iequals(code, word); });
  if (reserved) {
    *error = "invalid code: \"" + std::string(code) + "\" is reserved";
    return false;
  }
  return true;
}

}  // namespace linkly
