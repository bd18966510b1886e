#include "http/shlink_problem.hpp"

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace linkly {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view kTypeBase = "https://shlink.io/api/error/";

}  // namespace

http_response shlink_problem(http_status status, std::string_view type_code, std::string_view title,
                             std::string_view detail, boost::json::object extra) {
  boost::json::object body;
  body["type"] = type_code == "about:blank" ? std::string(type_code)
                                            : std::string(kTypeBase) + std::string(type_code);
  body["title"] = title;
  body["detail"] = detail;
  body["status"] = static_cast<unsigned>(status);
  for (auto& member : extra) body[member.key()] = std::move(member.value());
  http_response res{status, 11};
  res.set(http::field::content_type, "application/problem+json");
  res.body() = boost::json::serialize(body);
  res.prepare_payload();
  return res;
}

http_response shlink_invalid_data(const std::vector<std::string>& invalid_elements) {
  boost::json::array names;
  for (const std::string& name : invalid_elements) names.emplace_back(name);
  return shlink_problem(http_status::bad_request, "invalid-data", "Invalid data",
                        "Provided data is not valid", {{"invalidElements", std::move(names)}});
}

http_response shlink_malformed_body() {
  return shlink_problem(http_status::bad_request, "malformed-request-body",
                        "Malformed request body",
                        "Provided request does not contain a valid JSON body.");
}

http_response shlink_short_url_not_found(std::string_view code, std::string_view domain) {
  std::string detail = "No URL found with short code \"" + std::string(code) + "\"";
  boost::json::object extra{{"shortCode", code}};
  if (!domain.empty()) {
    detail += " for domain \"" + std::string(domain) + "\"";
    extra["domain"] = domain;
  }
  return shlink_problem(http_status::not_found, "short-url-not-found", "Short URL not found",
                        detail, std::move(extra));
}

http_response shlink_non_unique_slug(std::string_view slug) {
  return shlink_problem(http_status::bad_request, "non-unique-slug", "Invalid custom slug",
                        "Provided slug \"" + std::string(slug) + "\" is already in use.",
                        {{"customSlug", slug}});
}

http_response shlink_tag_not_found(std::string_view tag) {
  return shlink_problem(http_status::not_found, "tag-not-found", "Tag not found",
                        "Tag with name \"" + std::string(tag) + "\" could not be found",
                        {{"tag", tag}});
}

http_response shlink_tag_conflict(std::string_view old_name, std::string_view new_name) {
  return shlink_problem(http_status::conflict, "tag-conflict", "Tag conflict",
                        "You cannot rename tag " + std::string(old_name) + " to " +
                            std::string(new_name) + ", because it already exists",
                        {{"oldName", old_name}, {"newName", new_name}});
}

http_response shlink_domain_not_found(std::string_view authority) {
  return shlink_problem(
      http_status::not_found, "domain-not-found", "Domain not found",
      "Domain with authority \"" + std::string(authority) + "\" could not be found",
      {{"authority", authority}});
}

http_response shlink_missing_authentication() {
  boost::json::array expected{"X-Api-Key"};
  return shlink_problem(
      http_status::unauthorized, "missing-authentication", "Invalid authorization",
      "Expected one of the following authentication headers, [\"X-Api-Key\"], but none were "
      "provided",
      {{"expectedHeaders", std::move(expected)}});
}

http_response shlink_invalid_api_key() {
  return shlink_problem(http_status::unauthorized, "invalid-api-key", "Invalid API key",
                        "Provided API key does not exist or is invalid.");
}

http_response shlink_mercure_not_configured() {
  return shlink_problem(http_status::not_implemented, "mercure-not-configured",
                        "Mercure integration not configured",
                        "This Shlink instance is not integrated with a mercure hub.");
}

http_response shlink_route_not_found(std::string_view method, std::string_view target) {
  return shlink_problem(http_status::not_found, "not-found", "Not Found",
                        "Cannot " + std::string(method) + " " + std::string(target));
}

http_response shlink_method_not_allowed(std::string_view allow) {
  http_response res = shlink_problem(http_status::method_not_allowed, "about:blank",
                                     "Method Not Allowed", "Allowed: " + std::string(allow));
  res.set(http::field::allow, allow);
  return res;
}

http_response shlink_status_problem(http_status status, std::string_view why) {
  return shlink_problem(status, "about:blank", std::string(http::obsolete_reason(status)), why);
}

}  // namespace linkly
