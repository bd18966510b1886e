#include "http/orphan_capture.hpp"

#include "http/click_capture.hpp"
#include "schemas/click_fields.hpp"

#include <boost/beast/core/string.hpp>

namespace linkly {

envelope capture_orphan(const http_request& req, const click_headers& names,
                        std::string_view client_address, orphan_kind kind, std::int64_t now_ms) {
  namespace http = boost::beast::http;
  // A miss is rare next to a redirect: plain lookups, one per header.
  auto header = [&](std::string_view name) -> std::string_view {
    if (name.empty()) return {};
    auto it = req.find(name);
    return it == req.end() ? std::string_view{} : std::string_view(it->value());
  };
  click_header_values values;
  values.country = header(names.country);
  values.latitude = header(names.latitude);
  values.longitude = header(names.longitude);
  if (auto it = req.find(http::field::referer); it != req.end()) values.referrer = it->value();
  if (auto it = req.find(http::field::user_agent); it != req.end()) values.user_agent = it->value();
  std::string country;
  click_view view;
  capture_click_view(values, &country, &view);
  orphan_visit visit;
  visit.visited_at_ms = now_ms;
  visit.kind = kind;
  visit.visited_url = std::string(cut_utf8(req.target(), kMaxVisitedUrlBytes));
  visit.country = std::move(country);
  visit.referrer = std::string(view.referrer);
  visit.user_agent = std::string(view.user_agent);
  visit.client_address = std::string(client_address);
  visit.potential_bot = view.potential_bot;
  return make_orphan_envelope(visit);
}

}  // namespace linkly
