#pragma once
// The inspect() overloads CAF 0.17 needs to put linkly's plain types
// (envelopes, append results, link commands) into actor messages.

#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_sink.hpp"

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <string>

namespace linkly {

namespace detail {

// CAF 0.17 has no inspector for std::optional: the attributes and their
// patch travel as the bytes the links log encodes them with.
template <class Inspector, class T, class Encode, class Decode>
typename Inspector::result_type inspect_as_bytes(Inspector& f, const char* name, T& x,
                                                 Encode encode, Decode decode) {
  std::string bytes;
  if constexpr (Inspector::reads_state) bytes = encode(x);
  return f(caf::meta::type_name(name), bytes, caf::meta::load_callback([&]() -> caf::error {
             if (!decode(bytes, &x)) return caf::make_error(caf::sec::invalid_argument);
             return caf::none;
           }));
}

}  // namespace detail

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_attributes& x) {
  return detail::inspect_as_bytes<Inspector>(f, "link_attributes", x, encode_attributes,
                                             decode_attributes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_attributes_patch& x) {
  return detail::inspect_as_bytes<Inspector>(f, "link_attributes_patch", x, encode_patch,
                                             decode_patch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, envelope& x) {
  return f(caf::meta::type_name("envelope"), x.seq, x.type, x.schema_version, x.timestamp_ms, x.key,
           x.payload);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_result& x) {
  return f(caf::meta::type_name("append_result"), x.first_seq, x.last_seq);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, create_link& x) {
  return f(caf::meta::type_name("create_link"), x.code, x.url, x.attrs);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_link& x) {
  return f(caf::meta::type_name("update_link"), x.code, x.url, x.patch);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_link& x) {
  return f(caf::meta::type_name("delete_link"), x.code);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_info& x) {
  return f(caf::meta::type_name("link_info"), x.code, x.url, x.version, x.created_at_ms,
           x.updated_at_ms, x.attrs, x.incarnation);
}

}  // namespace linkly
