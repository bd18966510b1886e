#pragma once
// reply_status: how every service facade (links, clicks, imports, history,
// dead letters) says whether a call did what was asked, and if not, why.
// Each facade reply is a reply_status plus the value it carries; http/
// maps the code to an HTTP status in one place (http/reply_response.hpp)
// and sends `error` as the reason, so no reason is lost on the way.
//
// Plain data, no CAF and no Beast: app/, tools and tests use it as is.

#include <cstdint>
#include <string>
#include <utility>

namespace linkly {

enum class reply_code : std::uint8_t {
  ok,
  invalid,      // the request breaks a rule (HTTP 400)
  not_found,    // what was asked for does not exist (404)
  conflict,     // the code is taken (409)
  unavailable,  // a log or store could not be used, or an actor is restarting (503)
};

struct reply_status {
  reply_code code = reply_code::ok;
  std::string error;  // why, for a client to read, when code != ok

  bool ok() const { return code == reply_code::ok; }

  static reply_status failure(reply_code c, std::string why) {
    reply_status s;
    s.code = c;
    s.error = std::move(why);
    return s;
  }

  /// Makes this reply (and so the one deriving from it) a failure.
  void fail(reply_code c, std::string why) {
    code = c;
    error = std::move(why);
  }
};

}  // namespace linkly
