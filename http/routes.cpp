#include "http/routes.hpp"

#include <boost/url/grammar/error.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>
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
    }
  }
}

bool is_plain_code_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// "/s/{code}" with nothing to decode and no query: every redirect a link
// service hands out, matched without building a URL view (a tenth of a
// redirect's instructions). Anything else takes the full parse.
bool match_plain_redirect(std::string_view target, route_match* match) {
  constexpr std::string_view kPrefix = "/s/";
  if (target.size() <= kPrefix.size() || target.substr(0, kPrefix.size()) != kPrefix) return false;
  std::string_view code = target.substr(kPrefix.size());
  for (char c : code) {
    if (!is_plain_code_char(c)) return false;
  }
  match->route = route_id::redirect;
  match->code.assign(code);
  return true;
}

}  // namespace

route_match match_route(std::string_view target) {
  route_match match;
  if (match_plain_redirect(target, &match)) return match;
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
  if (seg.empty()) {
    match.route = route_id::ui;
    return match;
  }

  if (seg[0] == "links") {
    if (seg.size() == 1) {
      match.route = route_id::links_collection;
      read_collection_query(*parsed, &match);
    } else if (seg.size() == 2 && seg[1] == "import") {
      match.route = route_id::links_import;
    } else if (seg.size() == 2) {
      match.route = route_id::link_item;
      match.code = std::move(seg[1]);
      for (auto param : parsed->params()) {
        if (param.key == "as_of" && !match.as_of) match.as_of = param.value;
      }
    } else if (seg[2] == "history") {
      match.route = route_id::link_history;
      match.code = std::move(seg[1]);
      read_collection_query(*parsed, &match);
    } else if (seg[2] == "stats") {
      match.route = route_id::link_stats;
      match.code = std::move(seg[1]);
    }
  } else if (seg[0] == "clicks" && seg.size() == 2) {
    if (seg[1] == "summary") {
      match.route = route_id::clicks_summary;
    } else if (seg[1] == "stream") {
      match.route = route_id::clicks_stream;
      for (auto param : parsed->params()) {
        if (param.key == "code" && match.code.empty()) match.code = param.value;
      }
    }
  } else if (seg[0] == "events" && seg.size() == 1) {
    match.route = route_id::events;
    read_collection_query(*parsed, &match);
  } else if (seg[0] == "analytics" && seg.size() >= 2) {
    if (seg.size() == 2 && seg[1] == "daily") match.route = route_id::analytics_daily;
  } else if (seg[0] == "ui" && seg.size() == 2) {
    match.route = route_id::ui;
    match.code = std::move(seg[1]);
  } else if (seg[0] == "s" && seg.size() == 2) {
    match.route = route_id::redirect;
    match.code = std::move(seg[1]);
  } else if (seg[0] == "admin") {
    if (seg.size() >= 2 && seg[1] == "dlq") {
      if (seg.size() == 2) {
        match.route = route_id::dlq_collection;
        read_collection_query(*parsed, &match);
      } else if (seg[2] == "redrive") {
        match.route = route_id::dlq_redrive;
      } else {
        match.route = route_id::dlq_item;
        match.code = std::move(seg[2]);
      }
    }
  } else if (seg.size() == 1) {
    if (seg[0] == "healthz") {
      match.route = route_id::health;
    } else if (seg[0] == "metrics") {
      match.route = route_id::metrics;
    } else if (seg[0] == "login") {
      match.route = route_id::login;
    } else if (seg[0] == "logout") {
      match.route = route_id::logout;
    } else {
      match.route = route_id::redirect;
      match.code = std::move(seg[0]);
    }
  }
  return match;
}

std::string_view allowed_methods(route_id route) {
  switch (route) {
    case route_id::health:
    case route_id::ui:
      return "GET, HEAD";
    case route_id::login:
    case route_id::logout:
    case route_id::links_import:
      return "POST";
    case route_id::links_collection:
      return "GET, HEAD, POST";
    case route_id::link_item:
      return "GET, HEAD, PUT, DELETE";
    case route_id::link_history:
    case route_id::link_stats:
    case route_id::analytics_daily:
    case route_id::clicks_summary:
    case route_id::clicks_stream:
    case route_id::events:
      return "GET, HEAD";
    case route_id::redirect:
    case route_id::metrics:
    case route_id::dlq_collection:
      return "GET, HEAD";
    case route_id::dlq_redrive:
      return "POST";
    case route_id::dlq_item:
      return "DELETE";
    case route_id::not_found:
    case route_id::bad_target:
      return "";
  }
  return "";
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
