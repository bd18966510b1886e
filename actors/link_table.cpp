#include "actors/link_table.hpp"

namespace linkly {

std::size_t shard_of(std::string_view code, std::size_t shards) {
  // FNV-1a: fixed across builds and platforms, unlike std::hash.
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : code) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<std::size_t>(h % shards);
}

decision link_table::decide(const create_link& cmd) const {
  decision d;
  if (const link_record* r = find(cmd.code)) {
    d.refusal = command_reply::failure(
        command_errc::conflict, r->deleted ? "code \"" + cmd.code + "\" belonged to a deleted link"
                                           : "code \"" + cmd.code + "\" is already taken");
    return d;
  }
  d.accepted = true;
  d.event = link_created{cmd.code, cmd.url};
  return d;
}

namespace {

// Updates and deletions need a live link; their event is built by `make`.
template <class Make>
decision require_live(const link_record* r, Make make) {
  decision d;
  if (r == nullptr || r->deleted) {
    d.refusal = command_reply::failure(command_errc::not_found, "link not found");
    return d;
  }
  d.accepted = true;
  d.event = make();
  return d;
}

}  // namespace

decision link_table::decide(const update_link& cmd) const {
  return require_live(find(cmd.code), [&] { return link_updated{cmd.code, cmd.url}; });
}

decision link_table::decide(const delete_link& cmd) const {
  return require_live(find(cmd.code), [&] { return link_deleted{cmd.code}; });
}

void link_table::apply(const link_event& event, const envelope& env) {
  struct visitor {
    link_table& t;
    const envelope& env;
    void operator()(const link_created& e) {
      auto [it, inserted] = t.links_.try_emplace(e.code);
      if (!inserted) return void(++t.ignored_events_);
      link_record& r = it->second;
      r.url = e.url;
      r.version = 1;
      r.created_at_ms = r.updated_at_ms = env.timestamp_ms;
      r.seqs.push_back(env.seq);
    }
    void operator()(const link_updated& e) {
      auto it = t.links_.find(e.code);
      if (it == t.links_.end() || it->second.deleted) return void(++t.ignored_events_);
      link_record& r = it->second;
      r.url = e.url;
      ++r.version;
      r.updated_at_ms = env.timestamp_ms;
      r.seqs.push_back(env.seq);
    }
    void operator()(const link_deleted& e) {
      auto it = t.links_.find(e.code);
      if (it == t.links_.end() || it->second.deleted) return void(++t.ignored_events_);
      link_record& r = it->second;
      r.deleted = true;
      r.updated_at_ms = env.timestamp_ms;
      r.seqs.push_back(env.seq);
    }
  };
  std::visit(visitor{*this, env}, event);
}

void link_table::restore(std::string code, link_record record) {
  // Snapshots come in code order: then the end is the right place, O(1).
  links_.insert_or_assign(links_.end(), std::move(code), std::move(record));
}

const link_record* link_table::find(std::string_view code) const {
  auto it = links_.find(code);
  return it == links_.end() ? nullptr : &it->second;
}

bool link_table::live(std::string_view code, link_info* out) const {
  auto it = links_.find(code);
  if (it == links_.end() || it->second.deleted) return false;
  *out = info(it->first, it->second);
  return true;
}

std::vector<link_info> link_table::list(std::string_view after, std::size_t limit) const {
  std::vector<link_info> out;
  for (auto it = links_.upper_bound(after); it != links_.end() && out.size() < limit; ++it) {
    if (!it->second.deleted) out.push_back(info(it->first, it->second));
  }
  return out;
}

void link_table::for_each(
    const std::function<void(const std::string&, const link_record&)>& fn) const {
  for (const auto& [code, r] : links_) fn(code, r);
}

link_info link_table::info(const std::string& code, const link_record& r) {
  return link_info{code, r.url, r.version, r.created_at_ms, r.updated_at_ms};
}

}  // namespace linkly
