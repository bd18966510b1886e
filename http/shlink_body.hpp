#pragma once
// Request bodies of the Shlink short-URL routes: JSON in (whatever the
// Content-Type said), linkly's link commands out, or the names of the
// fields at fault (Shlink's invalidElements).

#include "schemas/link_commands.hpp"

#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// Shlink's shortest generated code; linkly keeps the same floor.
inline constexpr std::size_t kShlinkMinShortCodeLength = 4;

/// POST /rest/v3/short-urls.
struct shlink_create_request {
  create_link cmd;  // cmd.code: the customSlug, or "" for a generated code
  bool find_if_exists = false;
  /// Set: generate a code of this many characters (shortCodeLength).
  std::optional<std::size_t> short_code_length;
};

/// Reads {"longUrl", "customSlug"?, "shortCodeLength"?, "findIfExists"?,
/// "tags"?, "title"?, "validSince"?, "validUntil"?, "maxVisits"?,
/// "crawlable"?, "forwardQuery"?, "domain"?}. Unknown members are ignored,
/// as Shlink does. `domain`, when given and not null, must be
/// `default_domain`. False with `*invalid` naming every field at fault.
bool parse_shlink_create(const boost::json::object& body, std::string_view default_domain,
                         shlink_create_request* out, std::vector<std::string>* invalid);

/// PATCH /rest/v3/short-urls/{code}: any of "longUrl", "title", "tags",
/// "validSince", "validUntil", "maxVisits", "crawlable", "forwardQuery";
/// absent = unchanged, null = cleared (title, dates, maxVisits). Fills
/// out->url ("" = unchanged) and out->patch.
bool parse_shlink_edit(const boost::json::object& body, update_link* out,
                       std::vector<std::string>* invalid);

}  // namespace linkly
