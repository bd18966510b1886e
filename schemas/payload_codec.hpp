#pragma once
// Cereal binary (de)serialization of event payloads without stream churn.
//
// Each event type declares CEREAL_CLASS_VERSION and a versioned serialize();
// Cereal stores that version in the payload, so a reader built after a field
// was added still decodes records written before it (upcast on read: the new
// field keeps its default).

#include "schemas/bounded_archive.hpp"

#include <cereal/archives/binary.hpp>
#include <cereal/types/string.hpp>

#include <ostream>
#include <sstream>
#include <streambuf>
#include <string>
#include <string_view>

namespace linkly {

namespace detail {
// Appends to a caller's string: no stream-owned buffer to copy out of.
class string_sink_buf : public std::streambuf {
 public:
  void reset(std::string* target) { target_ = target; }

 protected:
  int_type overflow(int_type c) override {
    if (c != traits_type::eof()) target_->push_back(static_cast<char>(c));
    return traits_type::not_eof(c);
  }
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    target_->append(s, static_cast<std::size_t>(n));
    return n;
  }

 private:
  std::string* target_ = nullptr;
};

/// Runs `write(std::ostream&)` into `*out` (appending) through a stream kept
/// per thread: building a std::ostream per event costs more than the event.
template <class Write>
void write_binary(std::string* out, Write&& write) {
  thread_local string_sink_buf buf;
  thread_local std::ostream stream(&buf);
  buf.reset(out);
  stream.clear();
  write(stream);
  buf.reset(nullptr);
}

}  // namespace detail

/// Cereal's version of T as it is written by this build.
template <class T>
constexpr std::uint32_t schema_version_of() {
  return cereal::detail::Version<T>::version;
}

template <class T>
std::string encode_payload(const T& value) {
  std::string bytes;
  detail::write_binary(&bytes, [&](std::ostream& out) {
    cereal::BinaryOutputArchive ar(out);
    ar(value);
  });
  return bytes;
}

/// False when the bytes do not hold a T (truncated or garbage, or a length
/// larger than the bytes left: nothing of a claimed size is allocated
/// before it is known to fit, bounded_archive.hpp).
template <class T>
bool decode_payload(std::string_view bytes, T* out) {
  try {
    bounded_input_archive ar(bytes);
    ar(*out);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace linkly
