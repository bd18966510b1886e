// Snapshot body (storage/snapshot_codec.hpp), version 2, records in code
// order up to the end of the body:
//   { code url version created_at_ms updated_at_ms deleted
//     seq_count first_seq { seq - previous }*
//     extras (0 | 1) [ attributes (as events encode them) recreated_count { seq }* ] }*
// Version 1 had no extras: such a snapshot is rebuilt from the log.

#include "actors/cache_projection.hpp"

#include "actors/projection_store.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/snapshot_codec.hpp"
#include "storage/snapshot_file.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <map>

namespace linkly {

namespace {

void write_record(snapshot_writer& w, std::string_view code, const link_record& r) {
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
  const bool extras = r.attrs != link_attributes{} || !r.recreated_at.empty();
  w.varint(extras ? 1 : 0);
  if (!extras) return;
  w.bytes(encode_attributes(r.attrs));
  w.varint(r.recreated_at.size());
  for (std::uint64_t seq : r.recreated_at) w.varint(seq);
}

// Reads the next record; false at the end of `r` or on bad bytes (`bad`).
bool read_record(snapshot_reader& r, std::string_view body, std::string* code, link_record* rec,
                 bool* bad) {
  *bad = false;
  if (r.at_end()) return false;
  std::uint64_t deleted = 0;
  std::uint64_t seqs = 0;
  if (!r.bytes(code) || !r.bytes(&rec->url) || !r.number(&rec->version) ||
      !r.number(&rec->created_at_ms) || !r.number(&rec->updated_at_ms) || !r.varint(&deleted) ||
      deleted > 1 || !r.varint(&seqs) || seqs > body.size()) {
    *bad = true;
    return false;
  }
  rec->deleted = deleted == 1;
  rec->seqs.clear();
  rec->seqs.reserve(seqs);
  std::uint64_t seq = 0;
  for (std::uint64_t j = 0; j < seqs; ++j) {
    std::uint64_t delta = 0;
    if (!r.varint(&delta)) {
      *bad = true;
      return false;
    }
    seq += delta;
    rec->seqs.push_back(seq);
  }
  rec->attrs = link_attributes{};
  rec->recreated_at.clear();
  std::uint64_t extras = 0;
  if (!r.varint(&extras) || extras > 1) {
    *bad = true;
    return false;
  }
  if (extras == 0) return true;
  std::string_view attrs;
  std::uint64_t recreated = 0;
  if (!r.bytes(&attrs) || !decode_attributes(attrs, &rec->attrs) || !r.varint(&recreated) ||
      recreated > body.size()) {
    *bad = true;
    return false;
  }
  for (std::uint64_t j = 0; j < recreated; ++j) {
    std::uint64_t at = 0;
    if (!r.varint(&at)) {
      *bad = true;
      return false;
    }
    rec->recreated_at.push_back(at);
  }
  return true;
}

}  // namespace

status cache_projection::apply(std::string_view, const envelope& env) {
  applied_event e;
  if (!decode_link_event(env, &e.event)) {
    return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                              std::to_string(env.seq));
  }
  e.seq = env.seq;
  e.timestamp_ms = env.timestamp_ms;
  pending_.push_back(std::move(e));
  return status::ok();
}

void cache_projection::attach(const std::string& snapshot_path, leveldb::Env* env) {
  snapshot_path_ = snapshot_path;
  env_ = env;
}

status cache_projection::for_each_link(
    const std::function<void(const std::string&, const link_record&)>& fn) const {
  snapshot from_file;
  if (base_in_file_) {
    if (status st = read_snapshot_file(env_, snapshot_path_, &from_file); !st) return st;
  }
  const std::string& base = base_in_file_ ? from_file.body : base_;
  // The pending events by code, in code order, each code's in log order.
  std::map<std::string_view, std::vector<const applied_event*>> changes;
  for (const applied_event& e : pending_) changes[code_of(e.event)].push_back(&e);
  // Applies a code's events by the link table's own rules, each once only (a
  // redriven dead letter may repeat one the record has).
  auto changed = [&](const std::string& code, const link_record* base,
                     const std::vector<const applied_event*>& events) {
    link_table one;
    if (base != nullptr) one.restore(code, *base);
    for (const applied_event* e : events) {
      const link_record* r = one.find(code);
      if (r != nullptr && !r->seqs.empty() && e->seq <= r->seqs.back()) continue;
      envelope env;
      env.seq = e->seq;
      env.timestamp_ms = e->timestamp_ms;
      one.apply(e->event, env);
    }
    if (const link_record* r = one.find(code)) fn(code, *r);
  };
  auto next_change = changes.begin();
  snapshot_reader r(base);
  std::string code;
  link_record rec;
  bool bad = false;
  while (read_record(r, base, &code, &rec, &bad)) {
    for (; next_change != changes.end() && next_change->first < code; ++next_change) {
      changed(std::string(next_change->first), nullptr, next_change->second);
    }
    if (next_change != changes.end() && next_change->first == code) {
      changed(code, &rec, next_change->second);
      ++next_change;
    } else {
      fn(code, rec);
    }
  }
  if (bad) return status::corruption("cache snapshot " + snapshot_path_ + " does not decode");
  for (; next_change != changes.end(); ++next_change) {
    changed(std::string(next_change->first), nullptr, next_change->second);
  }
  return status::ok();
}

status cache_projection::save(std::string* out) const {
  snapshot_writer w(out);
  status st = for_each_link(
      [&](const std::string& code, const link_record& r) { write_record(w, code, r); });
  if (st) merged_ = pending_.size();
  return st;
}

void cache_projection::saved(std::string body) {
  base_in_file_ = !snapshot_path_.empty();
  if (base_in_file_) {
    base_.clear();
    base_.shrink_to_fit();
  } else {
    base_ = std::move(body);
  }
  const std::size_t merged = std::min(merged_, pending_.size());  // a clear() may have come between
  pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(merged));
  pending_.shrink_to_fit();
  merged_ = 0;
}

status cache_projection::load(std::string_view saved) {
  snapshot_reader r(saved);
  std::string code;
  std::string previous;
  link_record rec;
  bool bad = false;
  bool first = true;
  while (read_record(r, saved, &code, &rec, &bad)) {
    if (!first && code <= previous) bad = true;
    if (bad) break;
    previous.swap(code);
    first = false;
  }
  if (bad) return status::corruption("cache snapshot does not decode");
  // The store loads what its file holds: then the file is the base.
  base_in_file_ = !snapshot_path_.empty();
  if (!base_in_file_) base_.assign(saved);
  pending_.clear();
  return status::ok();
}

void cache_projection::clear() {
  base_in_file_ = false;
  base_.clear();
  pending_.clear();
}

void cache_projection::for_each_entry(const entry_visitor& fn) const {
  // A snapshot that cannot be read lists nothing of its own: verify then
  // reports its entries as absent rather than equal.
  for_each_link(
      [&](const std::string& code, const link_record& r) { fn(code, describe_link_record(r)); });
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
  if (r.attrs != link_attributes{}) {
    const link_attributes& a = r.attrs;
    boost::json::object attrs;
    attrs["title"] = a.title;
    boost::json::array tags;
    for (const std::string& t : a.tags) tags.push_back(boost::json::string(t));
    attrs["tags"] = std::move(tags);
    auto time_or_null = [](const std::optional<std::int64_t>& ms) -> boost::json::value {
      if (!ms) return nullptr;
      return boost::json::string(format_utc_ms(*ms));
    };
    attrs["valid_since"] = time_or_null(a.valid_since_ms);
    attrs["valid_until"] = time_or_null(a.valid_until_ms);
    attrs["max_visits"] = a.max_visits ? boost::json::value(*a.max_visits) : nullptr;
    attrs["forward_query"] = a.forward_query;
    attrs["crawlable"] = a.crawlable;
    o["attributes"] = std::move(attrs);
  }
  if (!r.recreated_at.empty()) {
    boost::json::array recreated;
    for (std::uint64_t s : r.recreated_at) recreated.push_back(s);
    o["recreated_at"] = std::move(recreated);
  }
  return boost::json::serialize(o);
}

status read_cached_link(const projection_store& store, std::string_view code, link_record* out) {
  bool found = false;
  status st = store.read([&](const projection& p) {
    return static_cast<const cache_projection&>(p).for_each_link(
        [&](const std::string& c, const link_record& r) {
          if (c == code) {
            *out = r;
            found = true;
          }
        });
  });
  if (!st) return st;
  return found ? status::ok() : status::not_found(std::string(code));
}

status load_cache_snapshot(const projection_store& store, std::size_t shards, shard_replay* out) {
  out->tables.clear();
  for (std::size_t i = 0; i < shards; ++i) out->tables.push_back(std::make_unique<link_table>());
  out->events = 0;
  out->last_seq = store.checkpoint(kLinksLog);
  return store.read([&](const projection& p) {
    return static_cast<const cache_projection&>(p).for_each_link(
        [&](const std::string& code, const link_record& r) {
          out->tables[shard_of(code, shards)]->restore(code, r);
        });
  });
}

}  // namespace linkly
