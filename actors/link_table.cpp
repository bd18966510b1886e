#include "actors/link_table.hpp"

#include <algorithm>

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
  if (const stored_link* l = lookup(cmd.code); l != nullptr && !l->deleted) {
    d.refusal = command_reply::failure(command_errc::conflict,
                                       "code \"" + cmd.code + "\" is already taken");
    return d;
  }
  d.accepted = true;
  d.event = link_created{cmd.code, cmd.url, cmd.attrs};
  return d;
}

namespace {

// Updates and deletions need a live link; their event is built by `make`.
template <class Make>
decision require_live(const stored_link* l, Make make) {
  decision d;
  if (l == nullptr || l->deleted) {
    d.refusal = command_reply::failure(command_errc::not_found, "link not found");
    return d;
  }
  d.accepted = true;
  d.event = make();
  return d;
}

}  // namespace

decision link_table::decide(const update_link& cmd) const {
  const stored_link* l = lookup(cmd.code);
  if (l != nullptr && !l->deleted) {
    // Each field was checked alone; the window only holds with the rest.
    link_attributes after = patched(l->attrs(), cmd.patch);
    std::string error;
    if (!validate_attributes(&after, &error)) {
      decision d;
      d.refusal = command_reply::failure(command_errc::invalid, std::move(error));
      return d;
    }
  }
  return require_live(l, [&] {
    return link_updated{cmd.code, cmd.url.empty() ? std::string(l->url()) : cmd.url,
                        patched(l->attrs(), cmd.patch)};
  });
}

decision link_table::decide(const delete_link& cmd) const {
  return require_live(lookup(cmd.code), [&] { return link_deleted{cmd.code}; });
}

void link_table::count_live(bool was, bool is) {
  if (was == is) return;
  if (is) {
    live_.fetch_add(1, std::memory_order_relaxed);
  } else {
    live_.fetch_sub(1, std::memory_order_relaxed);
  }
}

void link_table::insert(stored_link* link, std::uint64_t hash) {
  stripe& s = stripe_for(hash);
  {
    std::unique_lock lock(s.mutex);
    s.links.insert(link, hash);
  }
  order_.add(link);
  ++size_;
  count_live(false, !link->deleted);
}

stored_link* link_table::set_url(stored_link* link, std::string_view url, std::uint64_t hash) {
  stored_link* to = stored_link::set_url(link, url);
  if (to != link) stripe_for(hash).links.moved(link, to, hash);
  return to;
}

stored_link* link_table::set(stored_link* link, std::string_view url,
                             std::unique_ptr<link_extras> extras, std::uint64_t hash) {
  stored_link* to = stored_link::set(link, url, std::move(extras));
  if (to != link) stripe_for(hash).links.moved(link, to, hash);
  return to;
}

namespace {

// The extras of `l` with `attrs` (a copy of what it had otherwise).
std::unique_ptr<link_extras> extras_with(const stored_link& l, const link_attributes& attrs) {
  auto x = l.extras() != nullptr ? std::make_unique<link_extras>(*l.extras())
                                 : std::make_unique<link_extras>();
  x->attrs = attrs;
  return x;
}

}  // namespace

void link_table::retire(stored_link* from, const stored_link* to) {
  if (to == from) return;
  order_.moved(from, to);
  stored_link::destroy(from);
}

void link_table::apply(const link_event& event, const envelope& env) {
  struct visitor {
    link_table& t;
    const envelope& env;
    void operator()(const link_created& e) {
      const std::uint64_t h = link_hash(e.code);
      stripe& s = t.stripe_for(h);
      stored_link* old = s.links.find(e.code, h);
      if (old == nullptr) {
        auto x = std::make_unique<link_extras>();
        x->attrs = e.attrs;
        stored_link* l = stored_link::make(e.code, e.url, std::move(x));
        l->version = 1;
        l->created_at_ms = l->updated_at_ms = env.timestamp_ms;
        l->push_seq(env.seq);
        t.insert(l, h);  // readers see it whole or not at all
        return;
      }
      if (!old->deleted) return void(++t.ignored_events_);
      // A new life of a deleted code: the old one's seqs stay (history).
      stored_link* now = nullptr;
      {
        std::unique_lock lock(s.mutex);
        auto x = extras_with(*old, e.attrs);
        x->recreated_at.push_back(env.seq);
        now = t.set(old, e.url, std::move(x), h);
        now->version = 1;
        now->created_at_ms = now->updated_at_ms = env.timestamp_ms;
        now->deleted = false;
        now->push_seq(env.seq);
      }
      t.retire(old, now);
      t.count_live(false, true);
    }
    void operator()(const link_updated& e) {
      const std::uint64_t h = link_hash(e.code);
      stripe& s = t.stripe_for(h);
      stored_link* l = s.links.find(e.code, h);
      if (l == nullptr || l->deleted) return void(++t.ignored_events_);
      stored_link* now = nullptr;
      {
        // One lock for all of it: a reader sees the old link or the new one.
        std::unique_lock lock(s.mutex);
        now = e.attrs ? t.set(l, e.url, extras_with(*l, *e.attrs), h) : t.set_url(l, e.url, h);
        ++now->version;
        now->updated_at_ms = env.timestamp_ms;
        now->push_seq(env.seq);
      }
      t.retire(l, now);  // out of the lock: readers only wait for the map
    }
    void operator()(const link_deleted& e) {
      const std::uint64_t h = link_hash(e.code);
      stripe& s = t.stripe_for(h);
      stored_link* l = s.links.find(e.code, h);
      if (l == nullptr || l->deleted) return void(++t.ignored_events_);
      {
        std::unique_lock lock(s.mutex);
        l->deleted = true;
        l->updated_at_ms = env.timestamp_ms;
        l->push_seq(env.seq);
      }
      t.count_live(true, false);
    }
  };
  std::visit(visitor{*this, env}, event);
  refresh_found(code_of(event));
}

void link_table::refresh_found(std::string_view code) {
  if (found_code_.empty() || code != found_code_) return;
  if (const stored_link* l = lookup(code)) found_ = record_of(*l);
}

void link_table::restore(std::string code, link_record record) {
  // Built whole before readers can reach it.
  auto x = std::make_unique<link_extras>();
  x->attrs = std::move(record.attrs);
  x->recreated_at = std::move(record.recreated_at);
  stored_link* fresh = stored_link::make(code, record.url, std::move(x));
  fresh->version = record.version;
  fresh->created_at_ms = record.created_at_ms;
  fresh->updated_at_ms = record.updated_at_ms;
  fresh->deleted = record.deleted;
  for (std::uint64_t seq : record.seqs) fresh->push_seq(seq);
  const std::uint64_t h = link_hash(code);
  stripe& s = stripe_for(h);
  stored_link* old = s.links.find(code, h);
  if (old == nullptr) {
    insert(fresh, h);
    return refresh_found(code);
  }
  {
    std::unique_lock lock(s.mutex);
    s.links.moved(old, fresh, h);
  }
  order_.moved(old, fresh);
  count_live(!old->deleted, !fresh->deleted);
  stored_link::destroy(old);  // no reader holds it: they read under the lock
  refresh_found(code);
}

void link_table::put(const link_info& link) {
  link_record r;
  r.url = link.url;
  r.version = link.version;
  r.created_at_ms = link.created_at_ms;
  r.updated_at_ms = link.updated_at_ms;
  r.attrs = link.attrs;
  restore(link.code, std::move(r));
}

void link_table::remove(std::string_view code) {
  const std::uint64_t h = link_hash(code);
  stripe& s = stripe_for(h);
  stored_link* l = s.links.find(code, h);
  if (l == nullptr) return;
  order_.remove(l);
  count_live(!l->deleted, false);
  --size_;
  std::unique_lock lock(s.mutex);
  s.links.erase(code, h);
}

const stored_link* link_table::lookup(std::string_view code) const {
  const std::uint64_t h = link_hash(code);
  return stripe_for(h).links.find(code, h);
}

const link_record* link_table::find(std::string_view code) const {
  const stored_link* l = lookup(code);
  if (l == nullptr) return nullptr;
  found_ = record_of(*l);
  found_code_.assign(code);
  return &found_;
}

bool link_table::live(std::string_view code, link_info* out) const {
  const stored_link* l = lookup(code);
  if (l == nullptr || l->deleted) return false;
  *out = info(*l);
  return true;
}

std::vector<link_info> link_table::list(std::string_view after, std::size_t limit,
                                        const std::vector<std::string>& tags) const {
  std::vector<link_info> out;
  if (limit == 0) return out;
  auto has_tags = [&](const stored_link& l) {
    if (tags.empty()) return true;
    const std::vector<std::string>& own = l.attrs().tags;  // sorted
    return std::all_of(tags.begin(), tags.end(), [&](const std::string& t) {
      return std::binary_search(own.begin(), own.end(), t);
    });
  };
  order_.visit_after(after, [&](const stored_link& l) {
    if (!l.deleted && has_tags(l)) out.push_back(info(l));
    return out.size() < limit;
  });
  return out;
}

void link_table::for_each(
    const std::function<void(const std::string&, const link_record&)>& fn) const {
  std::string code;
  order_.visit_after({}, [&](const stored_link& l) {
    code.assign(l.code());
    fn(code, record_of(l));
    return true;
  });
}

void link_table::for_each_link(const std::function<void(const stored_link&)>& fn) const {
  order_.visit_after({}, [&](const stored_link& l) {
    fn(l);
    return true;
  });
}

void link_table::take(link_table& fresh) {
  for (std::size_t i = 0; i < kStripes; ++i) {
    std::scoped_lock lock(stripes_[i].mutex, fresh.stripes_[i].mutex);
    stripes_[i].links.swap(fresh.stripes_[i].links);
  }
  order_.swap(fresh.order_);
  std::swap(size_, fresh.size_);
  live_.store(fresh.live_.exchange(live_.load()));
  std::swap(ignored_events_, fresh.ignored_events_);
  refresh_found(found_code_);
  fresh.clear();  // what was here goes
}

void link_table::clear() {
  for (stripe& s : stripes_) {
    std::unique_lock lock(s.mutex);
    s.links.clear();
  }
  order_.clear();
  found_code_.clear();
  size_ = 0;
  live_.store(0);
  ignored_events_ = 0;
}

void link_table::compact() {
  order_.compact();
}

link_info link_table::info(const std::string& code, const link_record& r) {
  return link_info{code,    r.url,          r.version, r.created_at_ms, r.updated_at_ms,
                   r.attrs, r.incarnation()};
}

link_info link_table::info(const stored_link& l) {
  return link_info{std::string(l.code()), std::string(l.url()), l.version,
                   l.created_at_ms,       l.updated_at_ms,      l.attrs(),
                   l.incarnation()};
}

link_record link_table::record_of(const stored_link& l) {
  seq_span seqs = l.seqs();
  link_record r{std::string(l.url()), l.version, l.created_at_ms,
                l.updated_at_ms,      l.deleted, {seqs.begin(), seqs.end()}};
  if (const link_extras* x = l.extras()) {
    r.attrs = x->attrs;
    r.recreated_at = x->recreated_at;
  }
  return r;
}

}  // namespace linkly
