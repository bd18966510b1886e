#pragma once
// Answer bodies of the link routes (API.md), as Boost.JSON objects.
// Timestamps are ISO-8601 UTC with milliseconds (format_utc_ms).

#include "actors/link_service.hpp"
#include "schemas/link_commands.hpp"

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace linkly {

/// The link's public address: `short_url_base` (no trailing slash,
/// "http://127.0.0.1:3111") + "/s/" + code. Every answer naming a link's
/// short URL builds it here, so clients never compose one.
std::string short_url(std::string_view short_url_base, std::string_view code);

/// POST /links, 201: {"code","url","short_url","created_at"} and the
/// attributes (link_attributes_json.hpp).
boost::json::object created_link_json(const link_info& link, std::string_view short_url_base);

/// {"code","url","version","updated_at"}: what PUT /links/{code} answered
/// before it answered as GET does (kept for the import's and SDK's shapes).
boost::json::object updated_link_json(const link_info& link);

/// GET /links/{code} and each item of a page:
/// {"code","url","short_url","version","created_at","updated_at"} and the
/// attributes. PUT /links/{code} answers it too.
boost::json::object link_json(const link_info& link, std::string_view short_url_base);

/// GET /links: {"links":[...], "next": "<code>" or null}.
boost::json::object link_page_json(const link_page& page, std::string_view short_url_base);

/// GET /links/{code}/history:
/// {"code", "events":[{"seq","type","at","url"?}], "next": seq or null} (no url
/// for a deletion; `next` is the `after` of the following page).
boost::json::object history_json(std::string_view code, const history_reply& history);

}  // namespace linkly
