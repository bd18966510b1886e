#pragma once
// Who may call the Shlink API: the X-Api-Key header, checked in one place
// so the set of keys behind it can grow without the routes knowing.

#include <boost/beast/http/fields.hpp>

namespace linkly {

class access_control;

enum class api_key_status {
  ok,       // a key linkly accepts (or no key configured: the API is open)
  missing,  // no X-Api-Key header
  invalid,  // a key linkly does not accept
};

/// The request's X-Api-Key against the configured API token. `access` null
/// or disabled: ok whatever the header holds.
api_key_status check_api_key(const boost::beast::http::fields& headers,
                             const access_control* access);

}  // namespace linkly
