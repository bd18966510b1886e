#include "http/api_key_routes.hpp"

#include "schemas/rfc3339.hpp"

#include "http/access_control.hpp"
#include "http/error_messages.hpp"
#include "http/json_body.hpp"
#include "http/key_store.hpp"
#include "http/router.hpp"
#include "schemas/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <ctime>

namespace linkly {

namespace {

namespace http = boost::beast::http;

http_response unavailable() {
  return error_response(http_status::service_unavailable, error_message::kUnavailable);
}

boost::json::value time_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return boost::json::value(format_utc_ms(*ms));
}

http_status status_of(key_store::outcome code) {
  switch (code) {
    case key_store::outcome::ok:
      return http_status::ok;
    case key_store::outcome::invalid:
      return http_status::bad_request;
    case key_store::outcome::exists:
      return http_status::conflict;
    case key_store::outcome::not_found:
      return http_status::not_found;
    case key_store::outcome::full:
      return http_status::unprocessable_entity;
    case key_store::outcome::io_error:
      break;
  }
  return http_status::service_unavailable;
}

http_response no_store(http_response res) {
  res.set(http::field::cache_control, "no-store");
  return res;
}

}  // namespace

http_response create_api_key_response(const http_request& req, const router_context& ctx) {
  boost::json::object body;
  std::string error;
  if (!parse_json_object(req.body(), &body, &error)) {
    return error_response(http_status::bad_request, error);
  }
  const boost::json::value* name = body.if_contains("name");
  if (name == nullptr || name->is_null())
    return error_response(http_status::bad_request, "missing \"name\"");
  if (!name->is_string()) {
    return error_response(http_status::bad_request, "\"name\" must be a string");
  }
  std::optional<std::int64_t> expires_at;
  if (const boost::json::value* raw = body.if_contains("expires_at"); raw && !raw->is_null()) {
    std::int64_t ms = 0;
    if (raw->is_string() && parse_rfc3339_ms(raw->get_string(), &ms)) expires_at = ms;
    if (!expires_at) {
      return error_response(http_status::bad_request,
                            "\"expires_at\" must be an RFC 3339 date-time such as "
                            "\"2027-01-31T00:00:00Z\", or null");
    }
  }
  for (const auto& field : body) {
    if (field.key() != "name" && field.key() != "expires_at") {
      return error_response(http_status::bad_request,
                            "unknown field \"" + std::string(field.key()) + "\"");
    }
  }
  key_store* keys = ctx.sources.api_keys;
  if (keys == nullptr) return unavailable();
  std::string key;
  api_key_info info;
  key_store::result result = keys->create(name->get_string(), expires_at, &key, &info);
  if (result.code != key_store::outcome::ok) {
    return error_response(status_of(result.code), result.message);
  }
  boost::json::object out{{"name", info.name},
                          {"key", key},
                          {"created_at", format_utc_ms(info.created_at_ms)},
                          {"expires_at", time_or_null(info.expires_at_ms)}};
  http_response res = no_store(json_response(http_status::created, out));
  res.set(http::field::location, "/api-keys/" + info.name);
  return res;
}

http_response list_api_keys_response(const router_context& ctx) {
  key_store* keys = ctx.sources.api_keys;
  if (keys == nullptr) return unavailable();
  boost::json::array items;
  // The configured token is the key named "default": listed so that every
  // key that opens the API shows here, with no dates (it lives in the
  // configuration, not in the keys log).
  if (ctx.access != nullptr && ctx.access->has_token()) {
    items.push_back(boost::json::object{{"name", kDefaultKeyName},
                                        {"created_at", nullptr},
                                        {"expires_at", nullptr},
                                        {"revoked", false}});
  }
  for (const api_key_info& info : keys->list()) {
    items.push_back(boost::json::object{{"name", info.name},
                                        {"created_at", format_utc_ms(info.created_at_ms)},
                                        {"expires_at", time_or_null(info.expires_at_ms)},
                                        {"revoked", info.revoked}});
  }
  return no_store(json_response(http_status::ok, boost::json::object{{"api_keys", items}}));
}

http_response revoke_api_key_response(std::string_view name, const router_context& ctx) {
  if (name == kDefaultKeyName) {
    return error_response(http_status::bad_request,
                          "the \"default\" key is the configured token (auth.token, "
                          "LINKLY_TOKEN): change the configuration to remove it");
  }
  key_store* keys = ctx.sources.api_keys;
  if (keys == nullptr) return unavailable();
  key_store::result result = keys->revoke(name);
  if (result.code == key_store::outcome::not_found) {
    return error_response(http_status::not_found, "API key not found");
  }
  if (result.code != key_store::outcome::ok) {
    return error_response(status_of(result.code), result.message);
  }
  return no_content_response();
}

}  // namespace linkly
