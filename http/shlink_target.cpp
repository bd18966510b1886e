#include "http/shlink_target.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include <algorithm>

namespace linkly {

bool is_shlink_target(std::string_view target) {
  std::size_t at = target.find_first_not_of('/');
  if (at == 0 || at == std::string_view::npos) return false;
  std::string_view rest = target.substr(at);
  constexpr std::string_view kRest = "rest";
  if (rest.substr(0, kRest.size()) != kRest) return false;
  return rest.size() == kRest.size() || rest[kRest.size()] == '/' || rest[kRest.size()] == '?';
}

std::optional<std::size_t> shlink_positive_int(std::string_view text) {
  constexpr std::size_t kMaxDigits = 9;  // fits any size_t
  if (text.empty() || text.size() > kMaxDigits ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::size_t n = 0;
  for (char c : text) n = n * 10 + static_cast<std::size_t>(c - '0');
  if (n == 0) return std::nullopt;
  return n;
}

bool parse_shlink_order(std::string_view order, std::string* field, bool* descending) {
  std::string_view dir = "ASC";
  if (auto dash = order.rfind('-'); dash != std::string_view::npos) {
    dir = order.substr(dash + 1);
    order = order.substr(0, dash);
  }
  field->assign(order);
  *descending = dir == "DESC";
  return dir == "ASC" || dir == "DESC";
}

std::optional<std::string> shlink_target::param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return std::nullopt;
}

std::vector<std::string> shlink_target::list(std::string_view key) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : params) {
    if (k == key || (k.size() == key.size() + 2 && k.compare(0, key.size(), key) == 0 &&
                     k.compare(key.size(), 2, "[]") == 0)) {
      out.push_back(v);
    }
  }
  return out;
}

bool parse_shlink_target(std::string_view target, shlink_target* out) {
  // "//rest/..." would parse with an empty first segment; one slash is the same resource.
  std::size_t at = target.find_first_not_of('/');
  std::string normalised = "/";
  if (at != std::string_view::npos) normalised.append(target.substr(at));
  // Clients write "tags[]=a" unencoded (curl, PHP habits); RFC 3986 wants
  // brackets and a few others escaped in a query. Escape them, as Shlink's
  // own server takes them.
  if (auto query = normalised.find('?'); query != std::string::npos) {
    static constexpr std::string_view kLoose = "[]{}|^`\\\"<> ";
    std::string escaped = normalised.substr(0, query + 1);
    for (char c : std::string_view(normalised).substr(query + 1)) {
      if (kLoose.find(c) == std::string_view::npos) {
        escaped += c;
        continue;
      }
      static constexpr char kHex[] = "0123456789ABCDEF";
      escaped += '%';
      escaped += kHex[static_cast<unsigned char>(c) >> 4];
      escaped += kHex[static_cast<unsigned char>(c) & 0xF];
    }
    normalised = std::move(escaped);
  }
  auto parsed = boost::urls::parse_origin_form(normalised);
  if (!parsed) return false;
  bool first = true;
  for (std::string segment : parsed->segments()) {
    if (segment.empty()) continue;
    if (first) {
      first = false;
      if (segment == "rest") continue;
    }
    out->segments.push_back(std::move(segment));
  }
  boost::urls::encoding_opts form;
  form.space_as_plus = true;
  for (auto param : parsed->params(form)) {
    out->params.emplace_back(std::string(param.key), std::string(param.value));
  }
  return true;
}

}  // namespace linkly
