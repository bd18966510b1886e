#include "http/shlink_auth.hpp"

#include "http/access_control.hpp"
#include "http/header_text.hpp"

namespace linkly {

api_key_status check_api_key(const boost::beast::http::fields& headers,
                             const access_control* access) {
  if (access == nullptr || !access->enabled()) return api_key_status::ok;
  auto it = headers.find("X-Api-Key");
  if (it == headers.end()) return api_key_status::missing;
  std::string_view key = trim_blanks(it->value());
  if (key.empty()) return api_key_status::missing;
  return access->token_matches(key) ? api_key_status::ok : api_key_status::invalid;
}

}  // namespace linkly
