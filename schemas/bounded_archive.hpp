#pragma once
// bounded_input_archive: reads what cereal's BinaryOutputArchive writes,
// straight from a byte span, and refuses any length the bytes cannot hold.
//
// cereal's own BinaryInputArchive trusts a stored size: a string or vector
// claiming 2^40 elements is resize()d before a byte of it is read, so one
// corrupt record can take the process down. Here every size tag is checked
// against the bytes left (each element takes at least one byte), and a read
// past the end throws cereal::Exception, as BinaryInputArchive does; the
// caller (decode_payload) turns it into a decode error.

#include <cereal/archives/binary.hpp>
#include <cereal/cereal.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

namespace linkly {

class bounded_input_archive
    : public cereal::InputArchive<bounded_input_archive, cereal::AllowEmptyClassElision> {
 public:
  explicit bounded_input_archive(std::string_view bytes)
      : cereal::InputArchive<bounded_input_archive, cereal::AllowEmptyClassElision>(this),
        rest_(bytes) {}

  void load_binary(void* data, std::size_t size) {
    if (size > rest_.size()) {
      throw cereal::Exception("record truncated: " + std::to_string(size) + " bytes wanted, " +
                              std::to_string(rest_.size()) + " left");
    }
    if (size == 0) return;  // an empty string's or vector's data() may be null
    std::memcpy(data, rest_.data(), size);
    rest_.remove_prefix(size);
  }

  /// Throws unless `count` elements of at least one byte each could still
  /// follow: called before anything of that size is allocated.
  void check_count(std::uint64_t count) const {
    if (count > rest_.size()) {
      throw cereal::Exception("record claims " + std::to_string(count) + " elements, only " +
                              std::to_string(rest_.size()) + " bytes left");
    }
  }

 private:
  std::string_view rest_;
};

template <class T>
inline std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>
CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, T& t) {
  ar.load_binary(std::addressof(t), sizeof(t));
}

// A bool is one byte on the wire; any value but 0 or 1 is corruption (and
// loading it into a bool as it is would be undefined behaviour).
inline void CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, bool& t) {
  std::uint8_t byte = 0;
  ar.load_binary(&byte, 1);
  if (byte > 1) throw cereal::Exception("record holds a bool of " + std::to_string(byte));
  t = byte == 1;
}

template <class T>
inline void CEREAL_SERIALIZE_FUNCTION_NAME(bounded_input_archive& ar, cereal::NameValuePair<T>& t) {
  ar(t.value);
}

template <class T>
inline void CEREAL_SERIALIZE_FUNCTION_NAME(bounded_input_archive& ar, cereal::SizeTag<T>& t) {
  ar(t.size);
  ar.check_count(static_cast<std::uint64_t>(t.size));
}

template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(bounded_input_archive& ar, cereal::BinaryData<T>& bd) {
  ar.load_binary(bd.data, static_cast<std::size_t>(bd.size));
}

}  // namespace linkly

CEREAL_REGISTER_ARCHIVE(linkly::bounded_input_archive)

// What it reads is what BinaryOutputArchive writes. One direction only: the
// output archive's own input stays BinaryInputArchive.
namespace cereal::traits::detail {
template <>
struct get_output_from_input<linkly::bounded_input_archive> {
  using type = cereal::BinaryOutputArchive;
};
}  // namespace cereal::traits::detail
