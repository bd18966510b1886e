#pragma once
// Shlink's visits routes (REST API v3), on the analytics projection's visit
// index and the clicks log (each visit's details read back by seq, as
// http/visit_routes.hpp does):
//
//   GET /short-urls/{shortCode}/visits  a live link's current life
//   GET /tags/{tag}/visits              every live link carrying the tag
//   GET /visits/non-orphan              every live link
//   GET /domains/{domain}/visits        the same, for the one domain
//   GET /visits/orphan                  redirect misses
//     -> {"visits":{"data":[Visit...],"pagination":{...}}}, newest first
//   GET /visits -> {"visits":{"nonOrphanVisits":{"total","nonBots","bots"},
//                             "orphanVisits":{...}}}
//   DELETE /short-urls/{shortCode}/visits  a live link's current life
//   DELETE /visits/orphan                  redirect misses
//     -> {"deletedVisits": N} (http/visits_deletion.hpp); 404
//        short-url-not-found for a code no live link has
//
// A Visit is {"referer","date","userAgent","visitLocation","potentialBot",
// "visitedUrl","redirectUrl"} (an orphan one adds "type"), in Shlink's
// member order. 503 when analytics or the clicks log is off, or a visit
// cannot be read.

#include "http/shlink_call.hpp"

#include <string>

namespace linkly {

void shlink_short_url_visits(shlink_call call, const std::string& code);
void shlink_tag_visits(shlink_call call, std::string tag);
void shlink_non_orphan_visits(shlink_call call);
void shlink_domain_visits(shlink_call call, const std::string& domain);
void shlink_orphan_visits(shlink_call call);
void shlink_visits_overview(shlink_call call);
void shlink_delete_short_url_visits(shlink_call call, const std::string& code);
void shlink_delete_orphan_visits(shlink_call call);

}  // namespace linkly
