#include "http/routes.hpp"

#include "http/shlink_target.hpp"

#include <boost/url/grammar/error.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
#include <array>
#include <vector>

namespace linkly {

namespace {

constexpr std::size_t kMaxSegments = 3;

// The decoded path segments, or false when there are too many to name a
// route or one is empty ("/s/", "//x").
bool split_path(const boost::urls::url_view& url, std::vector<std::string>* out) {
  auto segments = url.segments();
  if (segments.size() > kMaxSegments) return false;
  for (std::string segment : segments) {
    if (segment.empty()) return false;
    out->push_back(std::move(segment));
  }
  return true;
}

void read_collection_query(const boost::urls::url_view& url, route_match* match) {
  for (auto param : url.params()) {
    if (param.key == "limit" && !match->limit) {
      match->limit = param.has_value ? param.value : std::string();
    } else if (param.key == "after" && match->after.empty()) {
      match->after = param.value;
    } else if (param.key == "tag" && match->route == route_id::links_collection) {
      match->tags.emplace_back(param.value);
    }
  }
}

bool is_plain_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// "/s/{code}" with nothing to decode, with or without a query: every redirect a link
// service hands out, matched without building a URL view (a tenth of a
// redirect's instructions). Anything else takes the full parse.
bool match_plain_redirect(std::string_view target, route_match* match) {
  constexpr std::string_view kPrefix = "/s/";
  if (target.size() <= kPrefix.size() || target.substr(0, kPrefix.size()) != kPrefix) return false;
  // A query is the redirect's to forward (query_of), not part of the code.
  std::string_view code = target.substr(kPrefix.size());
  code = code.substr(0, code.find('?'));
  if (code.empty()) return false;
  for (char c : code) {
    if (!is_plain_code_char(c)) return false;
  }
  match->route = route_id::redirect;
  match->code.assign(code);
  return true;
}

// Whether the decoded segments `seg` fit `pattern`; a "{name}" segment's
// value goes to *param.
bool fits(std::string_view pattern, const std::vector<std::string>& seg, std::size_t* param) {
  std::size_t i = 0;
  std::string_view rest = pattern.substr(1);  // patterns start with '/'
  while (!rest.empty()) {
    auto slash = rest.find('/');
    std::string_view part = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
    if (i >= seg.size()) return false;
    if (!part.empty() && part.front() == '{') {
      *param = i;
    } else if (seg[i] != part) {
      return false;
    }
    ++i;
  }
  return i == seg.size();
}

// The query parameters a matched route reads (routes.hpp lists them).
void read_query(const boost::urls::url_view& url, route_match* match) {
  switch (match->route) {
    case route_id::links_collection:
    case route_id::link_history:
    case route_id::dlq_collection:
    case route_id::events:
      return read_collection_query(url, match);
    case route_id::link_item:
      for (auto param : url.params()) {
        if (param.key == "as_of" && !match->as_of) match->as_of = param.value;
      }
      return;
    case route_id::qr_code:
    case route_id::link_visits:
    case route_id::orphan_visits:
      match->query = std::string(url.encoded_query());
      return;
    case route_id::clicks_stream:
      for (auto param : url.params()) {
        if (param.key == "code" && match->code.empty()) match->code = param.value;
      }
      return;
    default:
      return;
  }
}

}  // namespace

route_match match_route(std::string_view target) {
  route_match match;
  if (match_plain_redirect(target, &match)) return match;
  // The Shlink API reads its own paths (deeper, "//rest" allowed).
  if (is_shlink_target(target)) {
    match.route = route_id::shlink_rest;
    return match;
  }
  auto parsed = boost::urls::parse_origin_form(target);
  // HTTP/1.1 servers must also accept the absolute form ("http://host/s/x").
  if (!parsed) {
    parsed = boost::urls::parse_absolute_uri(target);
    if (parsed && parsed->scheme_id() != boost::urls::scheme::http &&
        parsed->scheme_id() != boost::urls::scheme::https) {
      parsed = boost::urls::grammar::error::mismatch;
    }
  }
  if (!parsed) {
    match.route = route_id::bad_target;
    return match;
  }
  std::vector<std::string> seg;
  seg.reserve(kMaxSegments);
  if (!split_path(*parsed, &seg)) return match;
  for (const route_spec& spec : kRouteTable) {
    constexpr std::size_t kNoParam = kMaxSegments;
    std::size_t param = kNoParam;
    if (!fits(spec.pattern, seg, &param)) continue;
    match.route = spec.id;
    if (param != kNoParam) match.code = std::move(seg[param]);
    read_query(*parsed, &match);
    break;
  }
  return match;
}

namespace {

// "GET, HEAD, POST" from a route's method bits, in this fixed order.
std::string allow_value(std::uint8_t methods) {
  std::string out;
  auto add = [&out](std::string_view name) {
    if (!out.empty()) out += ", ";
    out += name;
  };
  if (methods & method_bit::get) add("GET, HEAD");
  if (methods & method_bit::post) add("POST");
  if (methods & method_bit::put) add("PUT");
  if (methods & method_bit::del) add("DELETE");
  return out;
}

}  // namespace

std::string_view allowed_methods(route_id route) {
  // Built once from the table, indexed by route id.
  static const auto kAllow = [] {
    std::array<std::string, kRouteIdCount> out;
    for (const route_spec& spec : kRouteTable) {
      out[static_cast<std::size_t>(spec.id)] = allow_value(spec.methods);
    }
    return out;
  }();
  auto index = static_cast<std::size_t>(route);
  return index < kAllow.size() ? std::string_view(kAllow[index]) : std::string_view{};
}

bool route_allows(route_id route, std::uint8_t method) {
  const route_spec* spec = find_route_spec(route);
  return spec != nullptr && (spec->methods & method) != 0;
}

bool parse_limit(const std::optional<std::string>& raw, std::size_t* out, std::string* error) {
  if (!raw) {
    *out = kDefaultPageLimit;
    return true;
  }
  const std::string& s = *raw;
  bool digits = !s.empty() && s.size() <= 4 &&
                std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  std::size_t value = digits ? std::stoul(s) : 0;
  if (value < 1 || value > kMaxPageLimit) {
    *error = "invalid limit: use an integer from 1 to " + std::to_string(kMaxPageLimit);
    return false;
  }
  *out = value;
  return true;
}

}  // namespace linkly
