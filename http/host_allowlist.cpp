#include "http/host_allowlist.hpp"

#include "http/header_text.hpp"

#include <algorithm>
#include <cctype>

namespace linkly {

namespace {

bool is_port(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_host_char(char c) {
  auto u = static_cast<unsigned char>(c);
  // Nothing that could not be in a host name or address literal.
  return std::isalnum(u) || c == '.' || c == '-' || c == '_' || c == ':' || c == '%';
}

// The host part of `authority`, as a view into it (case kept); "" when it is
// malformed. No allocation: this runs on every request.
std::string_view host_part(std::string_view authority) {
  authority = trim_blanks(authority);
  std::string_view host;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return {};
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && (after.front() != ':' || !is_port(after.substr(1)))) return {};
    host = authority.substr(1, close - 1);
  } else {
    auto colon = authority.find(':');
    host = authority.substr(0, colon);
    if (colon != std::string_view::npos && !is_port(authority.substr(colon + 1))) {
      // More than one colon: a bare IPv6 address (a listen host), not host:port.
      if (authority.find(':', colon + 1) == std::string_view::npos) return {};
      host = authority;
    }
  }
  if (!std::all_of(host.begin(), host.end(), is_host_char)) return {};
  return host;
}

}  // namespace

std::string host_of_authority(std::string_view authority) {
  std::string out(host_part(authority));
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

host_allowlist::host_allowlist() : names_{"localhost", "127.0.0.1", "::1"} {}

host_allowlist host_allowlist::build(std::string_view public_url, std::string_view listen_host,
                                     const std::vector<std::string>& extra) {
  host_allowlist out;
  if (auto scheme = public_url.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = public_url.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = rest.rfind('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
    out.add(rest);
  }
  out.add(listen_host);
  for (const std::string& name : extra) out.add(name);
  return out;
}

void host_allowlist::add(std::string_view name) {
  name = trim_blanks(name);
  if (name == kAnyHost) {
    any_ = true;
    return;
  }
  std::string host = host_of_authority(name);
  if (host.empty() || named(host)) return;
  names_.push_back(std::move(host));
}

bool host_allowlist::named(std::string_view host) const {
  return !host.empty() &&
         std::any_of(names_.begin(), names_.end(),
                     [host](const std::string& name) { return boost::beast::iequals(name, host); });
}

bool host_allowlist::allows_host(std::string_view host_header) const {
  return any_ || named(host_part(host_header));
}

bool host_allowlist::allows_origin(std::string_view origin, std::string_view host_header) const {
  origin = trim_blanks(origin);
  auto scheme = origin.find("://");
  if (scheme == std::string_view::npos || scheme == 0) return false;  // "null" among others
  std::string_view authority = origin.substr(scheme + 3);
  if (authority.find_first_of("/?#@") != std::string_view::npos) return false;
  std::string_view host = host_part(authority);
  if (named(host)) return true;
  return any_ && !host.empty() && boost::beast::iequals(host, host_part(host_header));
}

}  // namespace linkly
