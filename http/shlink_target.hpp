#pragma once
// Reading a request target under /rest the way Shlink's clients write it:
// any number of leading slashes ("//rest/v3/..." works, as behind Shlink's
// own proxies), percent-decoding, '+' in the query as a space (form
// encoding, which URLSearchParams uses), and a repeated `tags[]` collected
// into a list.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

/// Whether `target`'s path is /rest or under it (leading slashes collapsed).
/// Cheap: no parse, so every other request pays one comparison.
bool is_shlink_target(std::string_view target);

struct shlink_target {
  /// Decoded path segments after "rest", empty ones dropped: "/rest/v3/tags"
  /// gives {"v3", "tags"}.
  std::vector<std::string> segments;
  /// Decoded query parameters in order, '+' as space.
  std::vector<std::pair<std::string, std::string>> params;

  /// The first value of `key`, if given.
  std::optional<std::string> param(std::string_view key) const;
  /// Every value of `key[]` and of `key`, in order.
  std::vector<std::string> list(std::string_view key) const;
};

/// A page number or size: a decimal integer of 1 to 9 digits, at least 1;
/// nullopt for anything else.
std::optional<std::size_t> shlink_positive_int(std::string_view text);

/// Shlink's `orderBy`, "field-ASC" or "field-DESC" ("field" alone: ASC):
/// the field into `*field`; false when the direction is neither.
bool parse_shlink_order(std::string_view order, std::string* field, bool* descending);

/// Parses `target`; false when it is not an origin-form target.
bool parse_shlink_target(std::string_view target, shlink_target* out);

}  // namespace linkly
