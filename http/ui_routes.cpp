#include "http/ui_routes.hpp"

#include "http/error_messages.hpp"
#include "http/header_text.hpp"
#include "http/ui_assets.hpp"

namespace linkly {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kPage = "index.html";

const embedded_file* find_asset(std::string_view name) {
  for (const embedded_file& file : ui_assets()) {
    if (file.name == name) return &file;
  }
  return nullptr;
}

// True when the If-None-Match list names `etag` (or is "*").
bool matches_etag(std::string_view header, std::string_view etag) {
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = trim_blanks(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    if (item.starts_with("W/")) item.remove_prefix(2);  // weak comparison, as RFC 9110 asks
    if (item == "*" || item == etag) return true;
  }
  return false;
}

void set_ui_headers(http_response* res, const embedded_file& file) {
  res->set(http::field::content_type, file.content_type);
  res->set(http::field::etag, file.etag);
  res->set(http::field::cache_control, "no-cache");
  res->set("Content-Security-Policy", kUiContentSecurityPolicy);
  res->set("X-Content-Type-Options", "nosniff");
  res->set("Referrer-Policy", "no-referrer");
  res->set("X-Frame-Options", "DENY");
}

}  // namespace

http_response ui_asset_response(std::string_view asset, const http_request& req) {
  const embedded_file* file = find_asset(asset.empty() ? kPage : asset);
  if (file == nullptr) return error_response(http_status::not_found, error_message::kNotFound);
  auto inm = req.find(http::field::if_none_match);
  if (inm != req.end() && matches_etag(inm->value(), file->etag)) {
    http_response res{http_status::not_modified, req.version()};
    set_ui_headers(&res, *file);
    return res;
  }
  http_response res{http_status::ok, req.version()};
  set_ui_headers(&res, *file);
  res.body().assign(file->data);
  res.prepare_payload();
  return res;
}

}  // namespace linkly
