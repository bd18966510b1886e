// Snapshot body (storage/snapshot_codec.hpp), version 1:
//   count { code url version created_at_ms updated_at_ms deleted
//           seq_count first_seq { seq - previous }* }

#include "actors/cache_projection.hpp"

#include "actors/projection_store.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/snapshot_codec.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace linkly {

status cache_projection::apply(std::string_view, const envelope& env) {
  link_event event;
  if (!decode_link_event(env, &event)) {
    return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                              std::to_string(env.seq));
  }
  // Already in the record (a redriven dead letter, say): apply once only.
  if (const link_record* r = links_.find(code_of(event));
      r != nullptr && !r->seqs.empty() && env.seq <= r->seqs.back()) {
    return status::ok();
  }
  // The link table's own rules decide what the event does to the record.
  links_.apply(event, env);
  return status::ok();
}

void cache_projection::save(std::string* out) const {
  snapshot_writer w(out);
  w.varint(links_.size());
  links_.for_each([&](const std::string& code, const link_record& r) {
    w.bytes(code);
    w.bytes(r.url);
    w.varint(r.version);
    w.varint(static_cast<std::uint64_t>(r.created_at_ms));
    w.varint(static_cast<std::uint64_t>(r.updated_at_ms));
    w.varint(r.deleted ? 1 : 0);
    w.varint(r.seqs.size());
    std::uint64_t previous = 0;
    for (std::uint64_t seq : r.seqs) {
      w.varint(seq - previous);
      previous = seq;
    }
  });
}

status cache_projection::load(std::string_view saved) {
  link_table loaded;
  snapshot_reader r(saved);
  std::uint64_t count = 0;
  auto bad = [] { return status::corruption("cache snapshot does not decode"); };
  if (!r.varint(&count)) return bad();
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string code;
    link_record rec;
    std::uint64_t deleted = 0;
    std::uint64_t seqs = 0;
    if (!r.bytes(&code) || !r.bytes(&rec.url) || !r.number(&rec.version) ||
        !r.number(&rec.created_at_ms) || !r.number(&rec.updated_at_ms) || !r.varint(&deleted) ||
        deleted > 1 || !r.varint(&seqs) || seqs > saved.size()) {
      return bad();
    }
    rec.deleted = deleted == 1;
    rec.seqs.reserve(seqs);
    std::uint64_t seq = 0;
    for (std::uint64_t j = 0; j < seqs; ++j) {
      std::uint64_t delta = 0;
      if (!r.varint(&delta)) return bad();
      seq += delta;
      rec.seqs.push_back(seq);
    }
    loaded.restore(std::move(code), std::move(rec));
  }
  if (!r.at_end()) return bad();
  links_ = std::move(loaded);
  return status::ok();
}

void cache_projection::for_each_entry(const entry_visitor& fn) const {
  std::vector<std::pair<const std::string*, const link_record*>> sorted;
  sorted.reserve(links_.size());
  links_.for_each(
      [&](const std::string& code, const link_record& r) { sorted.emplace_back(&code, &r); });
  std::sort(sorted.begin(), sorted.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  for (const auto& [code, r] : sorted) fn(*code, describe_link_record(*r));
}

std::string describe_link_record(const link_record& r) {
  boost::json::object o;
  o["url"] = r.url;
  o["version"] = r.version;
  o["created_at"] = format_utc_ms(r.created_at_ms);
  o["updated_at"] = format_utc_ms(r.updated_at_ms);
  o["deleted"] = r.deleted;
  boost::json::array seqs;
  for (std::uint64_t s : r.seqs) seqs.push_back(s);
  o["seqs"] = std::move(seqs);
  return boost::json::serialize(o);
}

status read_cached_link(const projection_store& store, std::string_view code, link_record* out) {
  return store.read([&](const projection& p) {
    const link_record* r = static_cast<const cache_projection&>(p).links().find(code);
    if (r == nullptr) return status::not_found(std::string(code));
    *out = *r;
    return status::ok();
  });
}

status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out) {
  out->tables.clear();
  for (std::size_t i = 0; i < shards; ++i) out->tables.push_back(std::make_unique<link_table>());
  out->events = 0;
  out->last_seq = store.checkpoint(kLinksLog);
  store.read([&](const projection& p) {
    static_cast<const cache_projection&>(p).links().for_each(
        [&](const std::string& code, const link_record& r) {
          out->tables[shard_of(code, shards)]->restore(code, r);
        });
  });
  return status::ok();
}

}  // namespace linkly
