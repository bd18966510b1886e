#include "http/shlink_routes.hpp"

#include "http/access_control.hpp"
#include "http/auth.hpp"
#include "http/error_messages.hpp"
#include "http/header_text.hpp"
#include "http/shlink_call.hpp"
#include "http/shlink_problem.hpp"
#include "http/shlink_visits.hpp"
#include "http/store_health.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <string>
#include <utility>

namespace linkly {

namespace {

namespace http = boost::beast::http;

/// The Shlink version /rest/health reports. Clients (Shlink's web client)
/// enable features by it; linkly answers the v3 API with the shapes of
/// Shlink 4.x (visitsSummary, hasRedirectRules), so it claims that line.
constexpr std::string_view kShlinkCompatibleVersion = "4.4.0";

/// How long a browser may cache a preflight's answer, in seconds (Shlink's
/// own value).
constexpr std::string_view kPreflightMaxAgeSeconds = "3600";

constexpr std::string_view kAllowedMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS";
constexpr std::string_view kAllowedHeaders = "Content-Type, X-Api-Key, Accept, Authorization";

void add_cors(http_response* res) {
  res->set(http::field::access_control_allow_origin, "*");
  res->set(http::field::access_control_expose_headers, "Content-Type");
}

bool is_read(http::verb method) {
  return method == http::verb::get || method == http::verb::head || method == http::verb::options;
}

// /rest/health and /rest/v3/health: open, like Shlink's.
bool is_health(const shlink_target& target) {
  const auto& seg = target.segments;
  return (seg.size() == 1 && seg[0] == "health") ||
         (seg.size() == 2 && seg[0] == "v3" && seg[1] == "health");
}

// "host[:port]" of "http://host:port".
std::string authority_of(std::string_view base) {
  auto scheme = base.find("://");
  if (scheme != std::string_view::npos) base.remove_prefix(scheme + 3);
  return std::string(base.substr(0, base.find('/')));
}

http_response preflight_response(const http_request& req) {
  http_response res{http_status::no_content, 11};
  add_cors(&res);
  res.set(http::field::access_control_allow_methods, kAllowedMethods);
  // Echo what the browser asks for when it names headers; X-Api-Key is the point.
  auto asked = req[http::field::access_control_request_headers];
  res.set(http::field::access_control_allow_headers,
          asked.empty() ? kAllowedHeaders : std::string_view(asked));
  res.set(http::field::access_control_max_age, kPreflightMaxAgeSeconds);
  res.prepare_payload();
  return res;
}

http_response health_json(const read_sources& sources) {
  bool pass = degraded_reasons(sources).empty();
  boost::json::object body{{"status", pass ? "pass" : "fail"},
                           {"version", kShlinkCompatibleVersion},
                           {"links",
                            {{"about", "https://github.com/linkly"},
                             {"project", "https://github.com/shlinkio/shlink"}}}};
  http_response res =
      json_response(pass ? http_status::ok : http_status::service_unavailable, body);
  res.set(http::field::content_type, "application/health+json");
  return res;
}

boost::json::object no_redirects() {
  return {{"baseUrlRedirect", nullptr},
          {"regular404Redirect", nullptr},
          {"invalidShortUrlRedirect", nullptr}};
}

http_response domains_json(const std::string& authority) {
  boost::json::array data;
  data.emplace_back(boost::json::object{
      {"domain", authority}, {"isDefault", true}, {"redirects", no_redirects()}});
  boost::json::object domains{{"data", std::move(data)}, {"defaultRedirects", no_redirects()}};
  return json_response(http_status::ok, boost::json::object{{"domains", std::move(domains)}});
}

// PATCH /domains/redirects: linkly has no per-domain redirects to set; the
// answer is the settings as they stay (all null), for the default domain.
http_response edit_redirects(const http_request& req, const std::string& authority) {
  boost::system::error_code ec;
  boost::json::value body = boost::json::parse(req.body(), ec);
  if (ec || !body.is_object()) return shlink_malformed_body();
  const boost::json::value* domain = body.get_object().if_contains("domain");
  if (domain == nullptr || !domain->is_string()) return shlink_invalid_data({"domain"});
  if (domain->get_string() != authority) return shlink_domain_not_found(domain->get_string());
  return json_response(http_status::ok, no_redirects());
}

// Allowed methods per resource, for 405s.
void dispatch(shlink_call call, http::verb method) {
  const std::vector<std::string>& seg = call.target.segments;
  const http_request& req = *call.req;
  auto not_allowed = [&](std::string_view allow) { call.send(shlink_method_not_allowed(allow)); };
  auto not_found = [&] {
    call.send(shlink_route_not_found(std::string(http::to_string(req.method())),
                                     std::string(req.target())));
  };
  if (is_health(call.target)) {
    if (method != http::verb::get) return not_allowed("GET");
    return call.send(health_json(call.sources));
  }
  if (seg.empty() || seg[0] != "v3") return not_found();
  std::size_t n = seg.size();
  // Routes that need the link actors answer 503 without them.
  bool needs_links = n >= 2 && (seg[1] == "short-urls" || seg[1] == "tags");
  if (needs_links && (call.links == nullptr || call.view == nullptr)) {
    return call.send(
        shlink_status_problem(http_status::service_unavailable, error_message::kUnavailable));
  }
  if (n == 2 && seg[1] == "short-urls") {
    if (method == http::verb::get) return shlink_list_short_urls(std::move(call));
    if (method == http::verb::post) return shlink_create_short_url(std::move(call));
    return not_allowed("GET, POST");
  }
  if (n == 3 && seg[1] == "short-urls") {
    std::string code = seg[2];
    if (method == http::verb::get) return shlink_get_short_url(std::move(call), code);
    if (method == http::verb::patch) return shlink_edit_short_url(std::move(call), code);
    if (method == http::verb::delete_) return shlink_delete_short_url(std::move(call), code);
    return not_allowed("GET, PATCH, DELETE");
  }
  if (n == 4 && seg[1] == "short-urls" && seg[3] == "redirect-rules") {
    // No per-device or per-language rules in linkly: readable, always empty.
    if (method == http::verb::get) return shlink_get_redirect_rules(std::move(call), seg[2]);
    return not_allowed("GET");
  }
  if (n == 4 && seg[1] == "short-urls" && seg[3] == "visits") {
    if (method == http::verb::get) return shlink_short_url_visits(std::move(call), seg[2]);
    if (method == http::verb::delete_)
      return shlink_delete_short_url_visits(std::move(call), seg[2]);
    return not_allowed("GET, DELETE");
  }
  if (n == 4 && seg[1] == "tags" && seg[3] == "visits") {
    if (method == http::verb::get) return shlink_tag_visits(std::move(call), seg[2]);
    return not_allowed("GET");
  }
  if (n == 2 && seg[1] == "visits") {
    if (method == http::verb::get) return shlink_visits_overview(std::move(call));
    return not_allowed("GET");
  }
  if (n == 3 && seg[1] == "visits" && seg[2] == "orphan") {
    if (method == http::verb::get) return shlink_orphan_visits(std::move(call));
    if (method == http::verb::delete_) return shlink_delete_orphan_visits(std::move(call));
    return not_allowed("GET, DELETE");
  }
  if (n == 3 && seg[1] == "visits" && seg[2] == "non-orphan") {
    if (method == http::verb::get) return shlink_non_orphan_visits(std::move(call));
    return not_allowed("GET");
  }
  if (n == 4 && seg[1] == "domains" && seg[3] == "visits") {
    if (method == http::verb::get) return shlink_domain_visits(std::move(call), seg[2]);
    return not_allowed("GET");
  }
  if (n == 2 && seg[1] == "tags") {
    if (method == http::verb::get) return shlink_list_tags(std::move(call), false);
    if (method == http::verb::put) return shlink_rename_tag(std::move(call));
    if (method == http::verb::delete_) return shlink_delete_tags(std::move(call));
    return not_allowed("GET, PUT, DELETE");
  }
  if (n == 3 && seg[1] == "tags" && seg[2] == "stats") {
    if (method == http::verb::get) return shlink_list_tags(std::move(call), true);
    return not_allowed("GET");
  }
  if (n == 2 && seg[1] == "domains") {
    if (method == http::verb::get) return call.send(domains_json(call.default_domain));
    return not_allowed("GET");
  }
  if (n == 3 && seg[1] == "domains" && seg[2] == "redirects") {
    if (method == http::verb::patch) return call.send(edit_redirects(req, call.default_domain));
    return not_allowed("PATCH");
  }
  if (n == 2 && seg[1] == "mercure-info") {
    if (method == http::verb::get) return call.send(shlink_mercure_not_configured());
    return not_allowed("GET");
  }
  not_found();
}

}  // namespace

admission admit_shlink(const http_request& head, const router_context& ctx,
                       const admission_limits& limits, admission out) {
  auto refuse = [&out](http_response res) {
    add_cors(&res);
    out.refusal = std::move(res);
    return std::move(out);
  };
  http::verb method = head.method();
  bool has_body = !is_read(method);
  out.body = has_body ? body_kind::json : body_kind::none;
  out.body_limit = limits.max_body_bytes;
  if (auto host = head.find(http::field::host);
      host != head.end() && !ctx.hosts.allows_host(host->value())) {
    return refuse(shlink_status_problem(
        http_status::misdirected_request,
        "this server does not answer for that Host; add it to http.allowed_hosts"));
  }
  bool open = ctx.access == nullptr || !ctx.access->enabled();
  // Without a key to ask for, another site's page must not write here.
  if (open && has_body) {
    if (auto origin = head.find(http::field::origin);
        origin != head.end() &&
        !ctx.hosts.allows_origin(origin->value(), head[http::field::host])) {
      return refuse(shlink_status_problem(http_status::forbidden,
                                          "cross-site request refused: foreign Origin"));
    }
  }
  if (method != http::verb::options) {
    shlink_target target;
    bool health = parse_shlink_target(head.target(), &target) && is_health(target);
    if (!health) {
      switch (check_api_key(head, ctx)) {
        case api_key_check::ok:
          break;
        case api_key_check::missing:
          return refuse(shlink_missing_authentication());
        case api_key_check::invalid:
          return refuse(shlink_invalid_api_key());
      }
    }
  }
  if (auto length = head.find(http::field::content_length); length != head.end()) {
    std::string_view text = trim_blanks(length->value());
    constexpr std::size_t kMaxDigits = 19;  // any 19-digit number fits 64 bits
    bool digits = !text.empty() && text.size() <= kMaxDigits &&
                  text.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits && std::stoull(std::string(text)) > out.body_limit) {
      return refuse(
          shlink_status_problem(http_status::payload_too_large, error_message::kBodyTooLarge));
    }
  }
  return out;
}

void handle_shlink_request(const http_request& req, const router_context& ctx,
                           const request_info& info, response_sender send) {
  response_sender with_cors([send = std::move(send)](http_response res) {
    add_cors(&res);
    send(std::move(res));
  });
  if (req.method() == http::verb::options) return with_cors(preflight_response(req));
  shlink_call call;
  if (!parse_shlink_target(req.target(), &call.target)) {
    return with_cors(shlink_status_problem(http_status::bad_request, "invalid request target"));
  }
  call.req = &req;
  call.links = ctx.links;
  call.view = ctx.view;
  call.analytics = ctx.sources.analytics;
  call.clicks = ctx.clicks;
  call.sources = ctx.sources;
  call.short_url_base = ctx.short_url_base;
  call.worker = info.worker;
  call.default_domain = authority_of(ctx.short_url_base);
  call.send = std::move(with_cors);
  http::verb method = req.method() == http::verb::head ? http::verb::get : req.method();
  dispatch(std::move(call), method);
}

}  // namespace linkly
