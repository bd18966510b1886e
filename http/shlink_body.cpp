#include "http/shlink_body.hpp"

#include "http/shlink_json.hpp"
#include "schemas/link_rules.hpp"

#include <boost/json/value.hpp>

#include <limits>

namespace linkly {

namespace {

using boost::json::object;
using boost::json::value;

// Each reader: absent leaves `*out` alone; a wrong type or value adds the
// field's name to `*invalid`.

void read_bool(const object& body, std::string_view name, std::optional<bool>* out,
               std::vector<std::string>* invalid) {
  const value* v = body.if_contains(name);
  if (v == nullptr) return;
  if (!v->is_bool()) return void(invalid->emplace_back(name));
  *out = v->get_bool();
}

// null clears (engaged outer, empty inner).
void read_date(const object& body, std::string_view name,
               std::optional<std::optional<std::int64_t>>* out, std::vector<std::string>* invalid) {
  const value* v = body.if_contains(name);
  if (v == nullptr) return;
  if (v->is_null()) {
    out->emplace(std::nullopt);
    return;
  }
  std::optional<std::int64_t> ms;
  if (v->is_string()) ms = parse_shlink_date(v->get_string());
  if (!ms) return void(invalid->emplace_back(name));
  out->emplace(*ms);
}

void read_max_visits(const object& body, std::optional<std::optional<std::uint32_t>>* out,
                     std::vector<std::string>* invalid) {
  const value* v = body.if_contains("maxVisits");
  if (v == nullptr) return;
  if (v->is_null()) {
    out->emplace(std::nullopt);
    return;
  }
  std::int64_t n = 0;
  if (v->is_int64()) {
    n = v->get_int64();
  } else if (v->is_uint64() && v->get_uint64() <= std::numeric_limits<std::uint32_t>::max()) {
    n = static_cast<std::int64_t>(v->get_uint64());
  } else {
    return void(invalid->emplace_back("maxVisits"));
  }
  if (n < 1 || n > std::numeric_limits<std::uint32_t>::max()) {
    return void(invalid->emplace_back("maxVisits"));
  }
  out->emplace(static_cast<std::uint32_t>(n));
}

// Title: null and "" both mean none.
void read_title(const object& body, std::optional<std::string>* out,
                std::vector<std::string>* invalid) {
  const value* v = body.if_contains("title");
  if (v == nullptr) return;
  if (v->is_null()) {
    *out = std::string();
    return;
  }
  std::string error;
  if (!v->is_string() || !validate_title(v->get_string(), &error)) {
    return void(invalid->emplace_back("title"));
  }
  *out = std::string(v->get_string());
}

void read_tags(const object& body, std::optional<std::vector<std::string>>* out,
               std::vector<std::string>* invalid) {
  const value* v = body.if_contains("tags");
  if (v == nullptr) return;
  if (!v->is_array()) return void(invalid->emplace_back("tags"));
  std::vector<std::string> tags;
  for (const value& tag : v->get_array()) {
    if (!tag.is_string()) return void(invalid->emplace_back("tags"));
    tags.emplace_back(tag.get_string());
  }
  std::string error;
  if (!normalize_tags(&tags, &error)) return void(invalid->emplace_back("tags"));
  *out = std::move(tags);
}

void read_long_url(const value* v, std::string* out, std::vector<std::string>* invalid) {
  std::string error;
  if (v == nullptr || !v->is_string() || !normalize_url(v->get_string(), out, &error)) {
    invalid->emplace_back("longUrl");
  }
}

// The patch's attribute readers, shared by create and edit.
void read_patch(const object& body, link_attributes_patch* patch,
                std::vector<std::string>* invalid) {
  read_date(body, "validSince", &patch->valid_since_ms, invalid);
  read_date(body, "validUntil", &patch->valid_until_ms, invalid);
  read_max_visits(body, &patch->max_visits, invalid);
  read_tags(body, &patch->tags, invalid);
  read_title(body, &patch->title, invalid);
  read_bool(body, "crawlable", &patch->crawlable, invalid);
  read_bool(body, "forwardQuery", &patch->forward_query, invalid);
}

// A window whose start is after its end: Shlink names both ends.
bool window_ok(const link_attributes& attrs, std::vector<std::string>* invalid) {
  link_attributes copy = attrs;
  std::string error;
  if (validate_attributes(&copy, &error)) return true;
  invalid->emplace_back("validSince");
  invalid->emplace_back("validUntil");
  return false;
}

}  // namespace

bool parse_shlink_create(const object& body, std::string_view default_domain,
                         shlink_create_request* out, std::vector<std::string>* invalid) {
  read_long_url(body.if_contains("longUrl"), &out->cmd.url, invalid);
  if (const value* slug = body.if_contains("customSlug"); slug != nullptr && !slug->is_null()) {
    std::string error;
    if (!slug->is_string() || !validate_custom_code(slug->get_string(), &error)) {
      invalid->emplace_back("customSlug");
    } else {
      out->cmd.code = std::string(slug->get_string());
    }
  }
  if (const value* length = body.if_contains("shortCodeLength");
      length != nullptr && !length->is_null()) {
    bool fits = (length->is_int64() && length->get_int64() >= 0) || length->is_uint64();
    std::uint64_t n = fits ? length->to_number<std::uint64_t>() : 0;
    if (n < kShlinkMinShortCodeLength || n > kMaxCodeBytes) {
      invalid->emplace_back("shortCodeLength");
    } else {
      out->short_code_length = static_cast<std::size_t>(n);
    }
  }
  std::optional<bool> find;
  read_bool(body, "findIfExists", &find, invalid);
  out->find_if_exists = find.value_or(false);
  if (const value* domain = body.if_contains("domain"); domain != nullptr && !domain->is_null()) {
    if (!domain->is_string() || domain->get_string() != default_domain) {
      invalid->emplace_back("domain");
    }
  }
  link_attributes_patch patch;
  read_patch(body, &patch, invalid);
  out->cmd.attrs = patched(link_attributes{}, patch);
  if (invalid->empty()) window_ok(out->cmd.attrs, invalid);
  return invalid->empty();
}

bool parse_shlink_edit(const object& body, update_link* out, std::vector<std::string>* invalid) {
  if (const value* url = body.if_contains("longUrl"); url != nullptr) {
    read_long_url(url, &out->url, invalid);
  }
  read_patch(body, &out->patch, invalid);
  return invalid->empty();
}

}  // namespace linkly
