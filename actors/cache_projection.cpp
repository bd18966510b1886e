// Cache record:  key := code   value := cereal-binary(link_record)

#include "actors/cache_projection.hpp"

#include "schemas/link_events.hpp"

#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

namespace linkly {

template <class Archive>
void serialize(Archive& ar, link_record& r, std::uint32_t /*version*/) {
  ar(r.url, r.version, r.created_at_ms, r.updated_at_ms, r.deleted, r.seqs);
}

}  // namespace linkly

CEREAL_CLASS_VERSION(linkly::link_record, 1);

namespace linkly {

status read_cached_link(const projection_store& store, std::string_view code, link_record* out) {
  std::string value;
  if (status st = store.get(code, &value); !st) return st;
  if (!decode_payload(value, out)) {
    return status::corruption("undecodable cache record for \"" + std::string(code) + "\"");
  }
  return status::ok();
}

status cache_projection::apply(std::string_view, const envelope& env, const projection_store& store,
                               write_set* writes) const {
  link_event event;
  if (!decode_link_event(env, &event)) {
    return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                              std::to_string(env.seq));
  }
  const std::string& code = code_of(event);
  // The link table's own rules decide what the event does to the record.
  link_table one;
  std::string value;
  status st = writes->get(store, code, &value);
  if (st.is_ok()) {
    link_record r;
    if (!decode_payload(value, &r)) {
      return status::corruption("undecodable cache record for \"" + code + "\"");
    }
    // Already in the record (a redriven dead letter, say): apply once only.
    if (!r.seqs.empty() && env.seq <= r.seqs.back()) return status::ok();
    one.restore(code, std::move(r));
  } else if (!st.is_not_found()) {
    return st;
  }
  one.apply(event, env);
  if (const link_record* r = one.find(code); r != nullptr && one.ignored_events() == 0) {
    writes->put(code, encode_payload(*r));
  }
  return status::ok();
}

status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out) {
  out->tables.clear();
  for (std::size_t i = 0; i < shards; ++i) out->tables.push_back(std::make_unique<link_table>());
  out->events = 0;
  out->last_seq = store.checkpoint(kLinksLog);
  status bad;
  status st = store.scan("", "", [&](std::string_view code, std::string_view value) {
    link_record r;
    if (!decode_payload(value, &r)) {
      bad = status::corruption("undecodable cache record for \"" + std::string(code) + "\"");
      return false;
    }
    out->tables[shard_of(code, shards)]->restore(std::string(code), std::move(r));
    return true;
  });
  if (!st) return st;
  return bad;
}

}  // namespace linkly
