#pragma once
// Cereal's binary archive layout, written and read by hand for the records
// every redirect makes and every replay reads: going through a std::ostream
// field by field costs several times the bytes themselves. The layout: each
// value in the machine's byte order, a string as its 64-bit length and its
// bytes, an optional as an "is empty" byte then its value. Each user keeps a
// test that holds its bytes equal to what cereal writes.

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace linkly::cereal_layout {

template <class T>
requires std::is_arithmetic_v<T>
void put(std::string* out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out->append(bytes, sizeof(T));
}

inline void put(std::string* out, std::string_view s) {
  put<std::uint64_t>(out, s.size());
  out->append(s.data(), s.size());
}

inline void put(std::string* out, const std::optional<double>& v) {
  put<std::uint8_t>(out, v.has_value() ? 0 : 1);
  if (v) put<double>(out, *v);
}

/// Reads what put() writes; each get() is false, and reads nothing more,
/// once the bytes cannot hold the field.
class reader {
 public:
  explicit reader(std::string_view bytes) : rest_(bytes) {}

  template <class T>
  requires std::is_arithmetic_v<T>
  bool get(T* value) {
    if (rest_.size() < sizeof(T)) return false;
    std::memcpy(value, rest_.data(), sizeof(T));
    rest_.remove_prefix(sizeof(T));
    return true;
  }

  bool get(std::string* s) {
    std::uint64_t size = 0;
    if (!get(&size) || size > rest_.size()) return false;
    s->assign(rest_.data(), static_cast<std::size_t>(size));
    rest_.remove_prefix(static_cast<std::size_t>(size));
    return true;
  }

  bool get(std::optional<double>* v) {
    std::uint8_t empty = 1;
    if (!get(&empty)) return false;
    if (empty != 0) {
      v->reset();
      return true;
    }
    double value = 0;
    if (!get(&value)) return false;
    *v = value;
    return true;
  }

  bool at_end() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace linkly::cereal_layout
