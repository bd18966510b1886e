#pragma once
// host_allowlist: the names this server answers to. A browser page can only
// read a response from its own origin, unless DNS rebinding points the
// page's own name at this server: then the request still names the
// attacker's host in `Host` (refused with 421) and, for a write from any
// other site, in `Origin` (refused with 403). See admission.cpp.
//
// Names are compared case-blind and without their port.

#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// The value of `http.allowed_hosts` that accepts any Host (for a proxy
/// that rewrites it). Origin is then still checked against the named hosts
/// and the request's own Host.
constexpr std::string_view kAnyHost = "*";

class host_allowlist {
 public:
  /// localhost, 127.0.0.1 and ::1 only.
  host_allowlist();

  /// The loopback names, the host of `public_url` (if any), `listen_host`
  /// and each of `extra` ("lnk.example", "lnk.example:8443", "[::1]" or
  /// kAnyHost).
  static host_allowlist build(std::string_view public_url, std::string_view listen_host,
                              const std::vector<std::string>& extra);

  /// Adds one name (a port or IPv6 brackets are dropped); kAnyHost accepts any.
  void add(std::string_view name);

  bool any() const { return any_; }

  /// Whether a `Host` header value ("lnk.example:8080", "[::1]:3111") names
  /// this server. With any(), always.
  bool allows_host(std::string_view host_header) const;

  /// Whether a write may come from the page at `origin` ("https://a.b:1"):
  /// its host is a named one, or (with any()) the request's own Host. "null"
  /// and anything unparsable never.
  bool allows_origin(std::string_view origin, std::string_view host_header) const;

  const std::vector<std::string>& names() const { return names_; }

 private:
  bool named(std::string_view host) const;

  bool any_ = false;
  std::vector<std::string> names_;  // lower-case, no port, no brackets
};

/// The host of a `Host`-style authority, lower-cased, without port or
/// brackets ("[::1]:80" -> "::1"); "" when it is malformed.
std::string host_of_authority(std::string_view authority);

}  // namespace linkly
