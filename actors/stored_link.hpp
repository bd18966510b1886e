#pragma once
// stored_link: one link as memory holds it, in one allocation: a fixed
// header, then the code's bytes, then the url's. The link table owns these;
// the read view reads them in place, so code and url exist once per link.
//
// Most links have a single event (their creation): its seq sits in the
// header; a second one moves them to an array of their own.
//
// Not thread-safe: the owner (link_table) serialises access.

#include <cstddef>
#include <cstdint>
#include <string_view>

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

class stored_link {
 public:
  /// A new record for `code` and `url`: version 0, no seqs, not deleted.
  static stored_link* make(std::string_view code, std::string_view url);

  /// Frees `link` and its seqs; nullptr is fine.
  static void destroy(stored_link* link) noexcept;

  /// `link` with its url set to `url`. The same record when the size fits,
  /// else a new one that takes over the seqs: whoever pointed at `link`
  /// must then point at the result, and destroy `link` (its code and url
  /// stay readable until then).
  static stored_link* set_url(stored_link* link, std::string_view url);

  std::string_view code() const { return {text(), code_size_}; }
  std::string_view url() const { return {text() + code_size_, url_size_}; }
  seq_span seqs() const { return {seq_count_ > 1 ? many_ : &one_, seq_count_}; }
  void push_seq(std::uint64_t seq);
  /// The seq of the LinkCreated this link's current life began with: what
  /// its clicks are keyed by, so a code deleted and created again starts
  /// from zero visits.
  std::uint64_t incarnation() const { return seq_count_ == 0 ? 0 : seqs().front(); }

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
};

}  // namespace linkly
