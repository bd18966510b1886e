#pragma once
// The link attributes in linkly's JSON (docs/API.md, "Link attributes"):
// read from a POST /links or PUT /links/{code} body as a patch, and written
// into every answer that shows a link.
//
//   "title": string | null        "tags": [string]
//   "valid_since", "valid_until": RFC 3339 string | null
//   "max_visits": integer >= 1 | null
//   "forward_query", "crawlable": bool

#include "schemas/link_attributes.hpp"

#include <boost/json/object.hpp>

#include <string>

namespace linkly {

/// The attribute fields present in `body` into `*out` (absent: unchanged;
/// null: cleared). Each is checked alone (link_attributes.hpp); on the
/// first bad one sets `*error`, a 400 message naming the field, and
/// returns false. Fields not listed above are not looked at.
bool read_attributes_patch(const boost::json::object& body, link_attributes_patch* out,
                           std::string* error);

/// Whether `body` has any attribute field.
bool has_attribute_field(const boost::json::object& body);

/// Adds the attribute fields to `*out`, every one of them (null when unset).
void put_attributes(const link_attributes& attrs, boost::json::object* out);

}  // namespace linkly
