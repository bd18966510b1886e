#pragma once
// Request bodies of the link write routes: JSON in, a validated command out,
// or the message of a 400. The url and code rules themselves live in
// schemas/link_rules.hpp; this file only reads JSON and applies them.

#include "schemas/link_commands.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace linkly {

/// `body` parsed as a JSON object into `*out`. On failure sets `*error` (a
/// 400 message): "request body is not valid JSON" or "request body must be a
/// JSON object".
bool parse_json_object(std::string_view body, boost::json::object* out, std::string* error);

/// POST /links: {"url": "...", "code"?: "...", attributes?...}. On success
/// `*out` holds the normalised url and the custom code, or an empty code
/// (absent, null or "") asking for a generated one, and the attributes
/// (link_attributes_json.hpp; absent ones at their defaults). On failure
/// sets `*error` (a 400 message):
///   not JSON               "request body is not valid JSON"
///   not an object          "request body must be a JSON object"
///   url missing/null/""    "missing \"url\""
///   url not a string       "\"url\" must be a string"
///   code not a string      "\"code\" must be a string"
///   bad url / bad code     the message of normalize_url / validate_custom_code
///   a bad attribute        a message naming the field
bool parse_create_body(std::string_view body, create_link* out, std::string* error);

/// PUT /links/{code}: a patch, any of "url" (same rules as create) and the
/// attributes (absent: unchanged, null: cleared); at least one. Sets
/// out->url (normalised, "" when absent) and out->patch; not out->code.
bool parse_update_body(std::string_view body, update_link* out, std::string* error);

}  // namespace linkly
