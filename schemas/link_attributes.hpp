#pragma once
// What a link carries besides its url: a title, tags, a validity window, a
// visit limit and two switches. Set on create, changed by update (a patch:
// an absent field is unchanged), kept in the link's events and checked at
// the redirect. The rules here are shared by every front door (linkly's API,
// the Shlink API, import, the command line).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// Bytes of a title (UTF-8). Shlink's column is 512 characters.
inline constexpr std::size_t kMaxTitleBytes = 512;
/// Tags on one link: a set, kept sorted. Enough for any labelling scheme
/// people use by hand; bounds what one link costs.
inline constexpr std::size_t kMaxTags = 32;
/// Bytes of one tag (UTF-8, no control characters, not empty).
inline constexpr std::size_t kMaxTagBytes = 64;

struct link_attributes {
  std::string title;                           // "" = none
  std::vector<std::string> tags;               // sorted, unique
  std::optional<std::int64_t> valid_since_ms;  // UTC ms; before it: not redirected
  std::optional<std::int64_t> valid_until_ms;  // UTC ms; after it: not redirected
  std::optional<std::uint32_t> max_visits;     // >= 1; visits recorded at most
  bool forward_query = true;                   // append the request's query to the url
  bool crawlable = false;                      // listed as allowed in /robots.txt

  friend bool operator==(const link_attributes&, const link_attributes&) = default;
};

/// A change to link_attributes: each field absent = unchanged. For the
/// optional fields an engaged outer value holding nullopt clears it.
struct link_attributes_patch {
  std::optional<std::string> title;  // "" clears
  std::optional<std::vector<std::string>> tags;
  std::optional<std::optional<std::int64_t>> valid_since_ms;
  std::optional<std::optional<std::int64_t>> valid_until_ms;
  std::optional<std::optional<std::uint32_t>> max_visits;
  std::optional<bool> forward_query;
  std::optional<bool> crawlable;

  bool empty() const {
    return !title && !tags && !valid_since_ms && !valid_until_ms && !max_visits && !forward_query &&
           !crawlable;
  }
  friend bool operator==(const link_attributes_patch&, const link_attributes_patch&) = default;
};

/// `attrs` with `patch` applied.
link_attributes patched(link_attributes attrs, const link_attributes_patch& patch);

/// Checks a title: at most kMaxTitleBytes of valid UTF-8, no control
/// characters. Sets `*error` (fit for a client) otherwise.
bool validate_title(std::string_view title, std::string* error);

/// Checks tags and leaves them sorted and unique in `*tags`: at most
/// kMaxTags, each 1-kMaxTagBytes of valid UTF-8 without control characters
/// or surrounding spaces. Sets `*error` otherwise.
bool normalize_tags(std::vector<std::string>* tags, std::string* error);

/// Checks a whole set of attributes (title, tags normalised in place, a
/// window whose start is not after its end, max_visits >= 1).
bool validate_attributes(link_attributes* attrs, std::string* error);

/// Whether `now_ms` is inside the link's validity window (its visit limit
/// is judged at the redirect: http/visit_count.hpp).
bool within_window(const link_attributes& attrs, std::int64_t now_ms);

}  // namespace linkly
