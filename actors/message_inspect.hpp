#pragma once
// The inspect() overloads CAF 0.17 needs to put linkly's plain types
// (envelopes, append results, link commands) into actor messages.

#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"
#include "storage/event_sink.hpp"

#include <caf/meta/type_name.hpp>

namespace linkly {

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
  return f(caf::meta::type_name("create_link"), x.code, x.url);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, update_link& x) {
  return f(caf::meta::type_name("update_link"), x.code, x.url);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delete_link& x) {
  return f(caf::meta::type_name("delete_link"), x.code);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, link_info& x) {
  return f(caf::meta::type_name("link_info"), x.code, x.url, x.version, x.created_at_ms,
           x.updated_at_ms);
}

}  // namespace linkly
