#pragma once
// The rules a link's input must follow, shared by every front door (HTTP,
// import, command line) so they cannot drift apart.

#include <string>
#include <string_view>

namespace linkly {

constexpr std::size_t kMaxUrlBytes = 2048;
constexpr std::size_t kMaxCodeBytes = 64;
constexpr std::size_t kGeneratedCodeLength = 6;

/// Normalises a user-supplied url into `*out`: prefixes "https://" when no
/// http(s) scheme is given, then requires an absolute http(s) URL with a host,
/// at most kMaxUrlBytes, with no whitespace or control characters. Other
/// schemes (javascript:, data:, ...) are refused. On failure returns false and
/// sets `*error` to a message fit for a client.
bool normalize_url(std::string_view input, std::string* out, std::string* error);

/// The check a stored url passes again before it becomes a `Location`
/// header, cheap enough for every redirect: what normalize_url accepts has
/// an http(s) scheme, at most kMaxUrlBytes and no byte <= 0x20 or 0x7f.
/// False for anything else (a corrupt or tampered store), which must never
/// reach a response head: a CR or LF there would split it.
bool is_safe_location(std::string_view url);

/// True if `code` may be chosen by a client: 1-64 of [A-Za-z0-9_-] and not a
/// reserved word (a route name). Sets `*error` otherwise.
bool validate_custom_code(std::string_view code, std::string* error);

/// True if `code` could name a stored link (syntax only, reserved or not).
bool is_code_syntax(std::string_view code);

}  // namespace linkly
