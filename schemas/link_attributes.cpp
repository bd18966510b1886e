#include "schemas/link_attributes.hpp"

#include <algorithm>

namespace linkly {

namespace {

// Valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF) and
// no C0 or C1 control character, nor DEL.
bool is_clean_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + n >= s.size()) return false;  // cut short
    for (std::size_t k = 1; k <= n; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp >= 0x80 && cp <= 0x9f) return false;  // C1 controls
    i += n + 1;
  }
  return true;
}

}  // namespace

link_attributes patched(link_attributes attrs, const link_attributes_patch& patch) {
  if (patch.title) attrs.title = *patch.title;
  if (patch.tags) attrs.tags = *patch.tags;
  if (patch.valid_since_ms) attrs.valid_since_ms = *patch.valid_since_ms;
  if (patch.valid_until_ms) attrs.valid_until_ms = *patch.valid_until_ms;
  if (patch.max_visits) attrs.max_visits = *patch.max_visits;
  if (patch.forward_query) attrs.forward_query = *patch.forward_query;
  if (patch.crawlable) attrs.crawlable = *patch.crawlable;
  return attrs;
}

bool validate_title(std::string_view title, std::string* error) {
  if (title.size() > kMaxTitleBytes) {
    *error = "title is longer than " + std::to_string(kMaxTitleBytes) + " bytes";
    return false;
  }
  if (!is_clean_utf8(title)) {
    *error = "title must be UTF-8 text without control characters";
    return false;
  }
  return true;
}

bool normalize_tags(std::vector<std::string>* tags, std::string* error) {
  for (const std::string& tag : *tags) {
    if (tag.empty() || tag.size() > kMaxTagBytes) {
      *error = "a tag must be 1-" + std::to_string(kMaxTagBytes) + " bytes";
      return false;
    }
    if (!is_clean_utf8(tag) || tag.front() == ' ' || tag.back() == ' ') {
      *error = "a tag must be UTF-8 text without control characters or surrounding spaces";
      return false;
    }
  }
  std::sort(tags->begin(), tags->end());
  tags->erase(std::unique(tags->begin(), tags->end()), tags->end());
  if (tags->size() > kMaxTags) {
    *error = "at most " + std::to_string(kMaxTags) + " tags per link";
    return false;
  }
  return true;
}

bool validate_attributes(link_attributes* attrs, std::string* error) {
  if (!validate_title(attrs->title, error)) return false;
  if (!normalize_tags(&attrs->tags, error)) return false;
  if (attrs->valid_since_ms && attrs->valid_until_ms &&
      *attrs->valid_since_ms > *attrs->valid_until_ms) {
    *error = "valid_since is after valid_until";
    return false;
  }
  if (attrs->max_visits && *attrs->max_visits == 0) {
    *error = "max_visits must be at least 1";
    return false;
  }
  return true;
}

bool within_window(const link_attributes& attrs, std::int64_t now_ms) {
  if (attrs.valid_since_ms && now_ms < *attrs.valid_since_ms) return false;
  return !(attrs.valid_until_ms && now_ms > *attrs.valid_until_ms);
}

}  // namespace linkly
