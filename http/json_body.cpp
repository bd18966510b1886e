#include "http/json_body.hpp"

#include "http/link_attributes_json.hpp"
#include "schemas/link_rules.hpp"

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace linkly {

bool parse_json_object(std::string_view body, boost::json::object* out, std::string* error) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec) {
    *error = "request body is not valid JSON";
    return false;
  }
  if (!value.is_object()) {
    *error = "request body must be a JSON object";
    return false;
  }
  *out = std::move(value.get_object());
  return true;
}

namespace {

bool read_url(const boost::json::object& body, std::string* url, std::string* error) {
  const boost::json::value* field = body.if_contains("url");
  if (field == nullptr || field->is_null() || (field->is_string() && field->get_string().empty())) {
    *error = "missing \"url\"";
    return false;
  }
  if (!field->is_string()) {
    *error = "\"url\" must be a string";
    return false;
  }
  const boost::json::string& raw = field->get_string();
  return normalize_url(std::string_view(raw.data(), raw.size()), url, error);
}

// An empty result asks for a generated code.
bool read_code(const boost::json::object& body, std::string* code, std::string* error) {
  const boost::json::value* field = body.if_contains("code");
  if (field == nullptr || field->is_null()) return true;
  if (!field->is_string()) {
    *error = "\"code\" must be a string";
    return false;
  }
  const boost::json::string& raw = field->get_string();
  if (raw.empty()) return true;
  std::string_view value(raw.data(), raw.size());
  if (!validate_custom_code(value, error)) return false;
  code->assign(value);
  return true;
}

}  // namespace

bool parse_create_body(std::string_view body, create_link* out, std::string* error) {
  boost::json::object object;
  if (!parse_json_object(body, &object, error)) return false;
  create_link cmd;
  if (!read_url(object, &cmd.url, error)) return false;
  if (!read_code(object, &cmd.code, error)) return false;
  link_attributes_patch patch;
  if (!read_attributes_patch(object, &patch, error)) return false;
  cmd.attrs = patched(link_attributes{}, patch);
  if (!validate_attributes(&cmd.attrs, error)) return false;  // the window, now whole
  *out = std::move(cmd);
  return true;
}

bool parse_update_body(std::string_view body, update_link* out, std::string* error) {
  boost::json::object object;
  if (!parse_json_object(body, &object, error)) return false;
  update_link cmd;
  if (object.contains("url") && !read_url(object, &cmd.url, error)) return false;
  if (!read_attributes_patch(object, &cmd.patch, error)) return false;
  if (cmd.url.empty() && cmd.patch.empty()) {
    *error = "nothing to change: give \"url\" or a link attribute";
    return false;
  }
  out->url = std::move(cmd.url);
  out->patch = std::move(cmd.patch);
  return true;
}

}  // namespace linkly
