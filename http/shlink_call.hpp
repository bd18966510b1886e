#pragma once
// One Shlink API request as its handlers see it (shlink_routes.cpp makes
// it): the parsed target, the request, linkly's context, and where the
// answer goes (CORS headers already added by `send`).

#include "http/router.hpp"
#include "http/shlink_target.hpp"

#include <string>

namespace linkly {

struct shlink_call {
  shlink_target target;
  /// Valid only until the handler returns: read the body before any await.
  const http_request* req = nullptr;
  // What the handlers use of router_context, copied, as the context need
  // not outlive handle_request (router.hpp). Null: not running (503).
  link_service* links = nullptr;
  const read_view* view = nullptr;
  const analytics_reader* analytics = nullptr;
  click_service* clicks = nullptr;  // deleting visits appends to the clicks log
  std::string short_url_base;
  io_worker* worker = nullptr;
  read_sources sources;  // for /rest/health
  response_sender send;
  /// The authority of the one (default) domain: short_url_base's host[:port].
  std::string default_domain;
};

// Short URLs (shlink_short_urls.cpp).
void shlink_list_short_urls(shlink_call call);
void shlink_create_short_url(shlink_call call);
void shlink_get_short_url(shlink_call call, const std::string& code);
void shlink_edit_short_url(shlink_call call, std::string code);
void shlink_delete_short_url(shlink_call call, std::string code);
/// {"defaultLongUrl": the link's url, "redirectRules": []}.
void shlink_get_redirect_rules(shlink_call call, const std::string& code);

// Tags (shlink_tags.cpp).
void shlink_list_tags(shlink_call call, bool stats_form);
void shlink_rename_tag(shlink_call call);
void shlink_delete_tags(shlink_call call);

}  // namespace linkly
