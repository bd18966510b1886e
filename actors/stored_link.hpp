#pragma once
// stored_link: one link as memory holds it, in one allocation: a fixed
// header, then the code's bytes, then the url's. The link table owns these;
// the read view reads them in place, so code and url exist once per link.
//
// Most links have a single event (their creation): its seq sits in the
// header; a second one moves them to an array of their own.
//
// Most links have no attributes either (link_attributes' defaults) and were
// created once: they pay nothing more. The others carry a pointer to a
// link_extras block in 8 bytes after the url, which a header bit announces.
//
// Not thread-safe: the owner (link_table) serialises access.

#include "actors/visit_cell.hpp"
#include "schemas/link_attributes.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace linkly {

/// The seqs of one link, oldest first (a std::span in C++20).
struct seq_span {
  const std::uint64_t* data = nullptr;
  std::size_t size = 0;

  const std::uint64_t* begin() const { return data; }
  const std::uint64_t* end() const { return data + size; }
  bool empty() const { return size == 0; }
  std::uint64_t front() const { return data[0]; }
  std::uint64_t back() const { return data[size - 1]; }
  std::uint64_t operator[](std::size_t i) const { return data[i]; }
};

/// What few links have: attributes other than the defaults, and the seqs of
/// the LinkCreated events that began a new life of a deleted code.
struct link_extras {
  link_attributes attrs;
  std::vector<std::uint64_t> recreated_at;  // ascending; the first creation is seqs().front()
  /// The visits of this life, for max_visits: found by the first redirect
  /// that checks them, then read in place (empty in a copy).
  visit_cell_ref visits;

  /// Whether a link with these extras needs the block at all.
  bool needed() const { return !recreated_at.empty() || attrs != link_attributes{}; }
};

class stored_link {
 public:
  /// A new record for `code` and `url`: version 0, no seqs, not deleted,
  /// with `extras` (nullptr, or a block that is not needed(): none).
  static stored_link* make(std::string_view code, std::string_view url,
                           std::unique_ptr<link_extras> extras = nullptr);

  /// Frees `link` and its seqs; nullptr is fine.
  static void destroy(stored_link* link) noexcept;

  /// `link` with its url set to `url`. The same record when the size fits,
  /// else a new one that takes over the seqs: whoever pointed at `link`
  /// must then point at the result, and destroy `link` (its code and url
  /// stay readable until then).
  static stored_link* set_url(stored_link* link, std::string_view url);

  /// As set_url, and the extras replaced by `extras` (nullptr or not
  /// needed(): none).
  static stored_link* set(stored_link* link, std::string_view url,
                          std::unique_ptr<link_extras> extras);

  std::string_view code() const { return {text(), code_size_}; }
  std::string_view url() const { return {text() + code_size_, url_size_}; }
  seq_span seqs() const { return {seq_count_ > 1 ? many_ : &one_, seq_count_}; }
  void push_seq(std::uint64_t seq);
  /// The seq of the LinkCreated this link's current life began with: what
  /// its clicks are keyed by, so a code deleted and created again starts
  /// from zero visits.
  std::uint64_t incarnation() const {
    if (has_extras_) {
      const link_extras& x = *extras();
      if (!x.recreated_at.empty()) return x.recreated_at.back();
    }
    return seq_count_ == 0 ? 0 : seqs().front();
  }

  /// The extras block, or nullptr for a link without one.
  const link_extras* extras() const;
  /// The link's attributes (the defaults for a link without extras).
  const link_attributes& attrs() const;
  /// Whether the link has attributes other than the defaults or more than
  /// one life: the redirect's fast path skips every check when not.
  bool has_extras() const { return has_extras_; }

  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  std::uint32_t version = 0;
  bool deleted = false;

  stored_link(const stored_link&) = delete;
  stored_link& operator=(const stored_link&) = delete;

 private:
  stored_link() = default;
  ~stored_link() = default;
  const char* text() const { return reinterpret_cast<const char*>(this + 1); }
  char* text() { return reinterpret_cast<char*>(this + 1); }

  union {
    std::uint64_t one_ = 0;  // seq_count_ <= 1
    std::uint64_t* many_;    // seq_count_ > 1; capacity: seq_count_ rounded up to a power of two
  };
  std::uint32_t seq_count_ = 0;
  std::uint16_t url_size_ = 0;  // urls are at most kMaxUrlBytes (2,048)
  std::uint8_t code_size_ = 0;  // codes are at most kMaxCodeBytes (64)
  bool has_extras_ = false;     // a link_extras* follows the url (unaligned)
};

}  // namespace linkly
