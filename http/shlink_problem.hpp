#pragma once
// Shlink's error answers (RFC 7807 problem details, as Shlink sends them):
// every error under /rest is application/problem+json with
// {"type","title","detail","status"} and the extra fields Shlink adds for
// that type ("invalidElements", "shortCode", "customSlug", ...). The type
// is "https://shlink.io/api/error/<code>"; clients such as the Shlink JS SDK
// switch on it, so each one here is spelled as Shlink spells it.

#include "http/responses.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// A problem response: `type_code` is the last part of the type URI
/// ("invalid-data"); `extra` members follow the four standard ones.
http_response shlink_problem(http_status status, std::string_view type_code, std::string_view title,
                             std::string_view detail, boost::json::object extra = {});

/// 400 invalid-data, {"invalidElements": [names of the fields at fault]}.
http_response shlink_invalid_data(const std::vector<std::string>& invalid_elements);

/// 400 malformed-request-body: the body is not a JSON object.
http_response shlink_malformed_body();

/// 404 short-url-not-found, {"shortCode"} (and "domain" when one was named).
http_response shlink_short_url_not_found(std::string_view code, std::string_view domain = {});

/// 400 non-unique-slug, {"customSlug"}.
http_response shlink_non_unique_slug(std::string_view slug);

/// 404 tag-not-found, {"tag"}.
http_response shlink_tag_not_found(std::string_view tag);

/// 409 tag-conflict, {"oldName","newName"}.
http_response shlink_tag_conflict(std::string_view old_name, std::string_view new_name);

/// 404 domain-not-found, {"authority"}.
http_response shlink_domain_not_found(std::string_view authority);

/// 401 missing-authentication (no X-Api-Key), {"expectedHeaders":["X-Api-Key"]}.
http_response shlink_missing_authentication();

/// 401 invalid-api-key.
http_response shlink_invalid_api_key();

/// 501 mercure-not-configured: linkly has no Mercure hub.
http_response shlink_mercure_not_configured();

/// 404 not-found: no Shlink route has this path (or this method on it).
http_response shlink_route_not_found(std::string_view method, std::string_view target);

/// 405 with `Allow`, as type not-found's sibling Shlink answers with.
http_response shlink_method_not_allowed(std::string_view allow);

/// A linkly failure (503 unavailable, 413, 421...) as a problem whose type
/// is the status's own ("about:blank" per RFC 7807) and detail `why`.
http_response shlink_status_problem(http_status status, std::string_view why);

}  // namespace linkly
