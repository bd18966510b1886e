#include "http/link_attributes_json.hpp"

#include "schemas/clock.hpp"
#include "schemas/rfc3339.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <limits>
#include <string_view>

namespace linkly {

namespace {

constexpr std::string_view kFields[] = {"title",      "tags",          "valid_since", "valid_until",
                                        "max_visits", "forward_query", "crawlable"};

std::string quoted(std::string_view name) {
  return "\"" + std::string(name) + "\"";
}

bool read_title(const boost::json::value& v, link_attributes_patch* out, std::string* error) {
  if (v.is_null()) {
    out->title = std::string();
    return true;
  }
  if (!v.is_string()) {
    *error = "\"title\" must be a string or null";
    return false;
  }
  std::string title(v.get_string().data(), v.get_string().size());
  if (!validate_title(title, error)) {
    *error = "\"title\": " + *error;
    return false;
  }
  out->title = std::move(title);
  return true;
}

bool read_tags(const boost::json::value& v, link_attributes_patch* out, std::string* error) {
  if (!v.is_array()) {
    *error = "\"tags\" must be an array of strings";
    return false;
  }
  std::vector<std::string> tags;
  // Checked before copying: an array far past kMaxTags is refused as it is.
  if (v.get_array().size() > kMaxTags * 2) {
    *error = "\"tags\": at most " + std::to_string(kMaxTags) + " tags per link";
    return false;
  }
  for (const boost::json::value& t : v.get_array()) {
    if (!t.is_string()) {
      *error = "\"tags\" must be an array of strings";
      return false;
    }
    tags.emplace_back(t.get_string().data(), t.get_string().size());
  }
  if (!normalize_tags(&tags, error)) {
    *error = "\"tags\": " + *error;
    return false;
  }
  out->tags = std::move(tags);
  return true;
}

bool read_time(std::string_view name, const boost::json::value& v,
               std::optional<std::optional<std::int64_t>>* out, std::string* error) {
  if (v.is_null()) {
    *out = std::optional<std::int64_t>{};
    return true;
  }
  std::int64_t ms = 0;
  if (!v.is_string() ||
      !parse_rfc3339_ms(std::string_view(v.get_string().data(), v.get_string().size()), &ms)) {
    *error = quoted(name) + " must be an RFC 3339 time (\"2026-12-05T12:00:00Z\") or null";
    return false;
  }
  *out = std::optional<std::int64_t>{ms};
  return true;
}

bool read_max_visits(const boost::json::value& v, link_attributes_patch* out, std::string* error) {
  if (v.is_null()) {
    out->max_visits = std::optional<std::uint32_t>{};
    return true;
  }
  std::int64_t n = 0;
  if (v.is_int64()) {
    n = v.get_int64();
  } else if (v.is_uint64() && v.get_uint64() <= std::numeric_limits<std::uint32_t>::max()) {
    n = static_cast<std::int64_t>(v.get_uint64());
  } else {
    n = -1;
  }
  if (n < 1 || n > std::numeric_limits<std::uint32_t>::max()) {
    *error = "\"max_visits\" must be an integer from 1 to " +
             std::to_string(std::numeric_limits<std::uint32_t>::max()) + ", or null";
    return false;
  }
  out->max_visits = std::optional<std::uint32_t>{static_cast<std::uint32_t>(n)};
  return true;
}

bool read_bool(std::string_view name, const boost::json::value& v, std::optional<bool>* out,
               std::string* error) {
  if (!v.is_bool()) {
    *error = quoted(name) + " must be true or false";
    return false;
  }
  *out = v.get_bool();
  return true;
}

boost::json::value time_or_null(const std::optional<std::int64_t>& ms) {
  if (!ms) return nullptr;
  return boost::json::string(format_utc_ms(*ms));
}

}  // namespace

bool read_attributes_patch(const boost::json::object& body, link_attributes_patch* out,
                           std::string* error) {
  link_attributes_patch patch;
  if (const auto* v = body.if_contains("title"); v && !read_title(*v, &patch, error)) return false;
  if (const auto* v = body.if_contains("tags"); v && !read_tags(*v, &patch, error)) return false;
  if (const auto* v = body.if_contains("valid_since");
      v && !read_time("valid_since", *v, &patch.valid_since_ms, error)) {
    return false;
  }
  if (const auto* v = body.if_contains("valid_until");
      v && !read_time("valid_until", *v, &patch.valid_until_ms, error)) {
    return false;
  }
  if (const auto* v = body.if_contains("max_visits"); v && !read_max_visits(*v, &patch, error)) {
    return false;
  }
  if (const auto* v = body.if_contains("forward_query");
      v && !read_bool("forward_query", *v, &patch.forward_query, error)) {
    return false;
  }
  if (const auto* v = body.if_contains("crawlable");
      v && !read_bool("crawlable", *v, &patch.crawlable, error)) {
    return false;
  }
  *out = std::move(patch);
  return true;
}

bool has_attribute_field(const boost::json::object& body) {
  for (std::string_view name : kFields) {
    if (body.contains(name)) return true;
  }
  return false;
}

void put_attributes(const link_attributes& attrs, boost::json::object* out) {
  boost::json::object& o = *out;
  if (attrs.title.empty()) {
    o["title"] = nullptr;
  } else {
    o["title"] = attrs.title;
  }
  boost::json::array tags;
  tags.reserve(attrs.tags.size());
  for (const std::string& t : attrs.tags) tags.emplace_back(boost::json::string(t));
  o["tags"] = std::move(tags);
  o["valid_since"] = time_or_null(attrs.valid_since_ms);
  o["valid_until"] = time_or_null(attrs.valid_until_ms);
  if (attrs.max_visits) {
    o["max_visits"] = *attrs.max_visits;
  } else {
    o["max_visits"] = nullptr;
  }
  o["forward_query"] = attrs.forward_query;
  o["crawlable"] = attrs.crawlable;
}

}  // namespace linkly
