#pragma once
// request_framing: RFC 9112 checks on a request's head that Beast 1.81 lets
// through. A request whose framing two parties could read differently (a
// proxy in front and linkly behind) is refused and its connection closed,
// so no byte after it is ever taken for a second request.

#include "http/responses.hpp"

#include <optional>
#include <string_view>

namespace linkly {

struct framing_refusal {
  http_status status;
  std::string_view message;
};

/// Transfer-Encoding other than exactly one `chunked` → 501 (400 on
/// HTTP/1.0 or with `chunked` repeated); Transfer-Encoding with
/// Content-Length → 400; more than one Host, or none on HTTP/1.1 → 400.
/// Beast has parsed `head` already (it refuses some of these itself).
std::optional<framing_refusal> check_framing(const http_request& head);

/// Whether the raw bytes of a request head (all of it or a prefix, up to
/// and excluding its body) hold an obs-fold: a header line that starts with
/// SP or HTAB. Beast joins such a line to the one before; RFC 9112 §5.2
/// lets a server refuse it, and linkly does (400).
bool has_obs_fold(std::string_view raw_head);

}  // namespace linkly
