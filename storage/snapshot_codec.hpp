#pragma once
// Writing and reading a snapshot body: unsigned LEB128 varints and
// length-prefixed strings. A reader never reads past its input: every get
// says whether it could.

#include <cstdint>
#include <string>
#include <string_view>

namespace linkly {

class snapshot_writer {
 public:
  explicit snapshot_writer(std::string* out) : out_(out) {}
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }
  void bytes(std::string_view s) {
    varint(s.size());
    out_->append(s);
  }

 private:
  std::string* out_;
};

class snapshot_reader {
 public:
  explicit snapshot_reader(std::string_view in) : in_(in) {}
  bool varint(std::uint64_t* v) {
    std::uint64_t x = 0;
    for (int shift = 0; shift < 64 && !in_.empty(); shift += 7) {
      const auto byte = static_cast<unsigned char>(in_.front());
      in_.remove_prefix(1);
      x |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        *v = x;
        return true;
      }
    }
    return false;
  }
  template <class T>
  bool number(T* v) {
    std::uint64_t x = 0;
    if (!varint(&x)) return false;
    *v = static_cast<T>(x);
    return static_cast<std::uint64_t>(*v) == x;
  }
  bool bytes(std::string_view* s) {
    std::uint64_t n = 0;
    if (!varint(&n) || n > in_.size()) return false;
    *s = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool bytes(std::string* s) {
    std::string_view v;
    if (!bytes(&v)) return false;
    s->assign(v);
    return true;
  }
  bool at_end() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace linkly
