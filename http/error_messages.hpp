#pragma once
// The error messages more than one place answers with ({"error": "..."}),
// each written once so that the same failure reads the same everywhere.
// A message only one handler gives stays beside that handler.

#include <string_view>

namespace linkly::error_message {

/// 503: the engine is missing, stopping or did not answer in time.
inline constexpr std::string_view kUnavailable = "service unavailable, try again";
/// 503: a log could not be read (and the reply said nothing more precise).
inline constexpr std::string_view kLogUnreadable = "the log could not be read";
/// 404: no such short code (or one that cannot be a code).
inline constexpr std::string_view kLinkNotFound = "link not found";
/// 404: no such route or file.
inline constexpr std::string_view kNotFound = "not found";
/// 413: a body beyond the route's limit.
inline constexpr std::string_view kBodyTooLarge = "request body too large";
/// 431: headers beyond the server's limit.
inline constexpr std::string_view kHeadersTooLarge = "request headers too large";
/// 400: the request could not be parsed as HTTP.
inline constexpr std::string_view kMalformedRequest = "malformed request";
/// 500: a handler failed in a way no client can fix.
inline constexpr std::string_view kInternalError = "internal error";

}  // namespace linkly::error_message
