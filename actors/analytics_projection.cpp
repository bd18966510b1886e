// Snapshot body (storage/snapshot_codec.hpp), version 3 (a version 1 or 2
// snapshot is rebuilt from the logs):
//   created_days { day+2^31 count }*
//   deleted { code first_deleted_seq last_created_seq }*
//   links { code lives { incarnation total bots hosts days { day+2^31 count }*
//           countries { cc count }* referrers { host count }* visits }* }*
//   orphans: total bots visits
//   deletions { seq removed }*                        (version 3 on)
// visits = { seq_flags minus the previous one, at_ms minus the previous one
// zigzagged }*; each list preceded by its length.

#include "actors/analytics_projection.hpp"

#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "storage/event_log.hpp"
#include "storage/snapshot_codec.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace linkly {

namespace {

constexpr std::int64_t kDayMs = 86'400'000;
// Countries as two letters in one number; sorts after every letter pair, as
// "unknown" sorts after upper-case codes.
constexpr std::uint16_t kUnknownCountry = 0xffff;
// Days are stored offset, so that days before 1970 stay unsigned.
constexpr std::int64_t kDayOffset = std::int64_t{1} << 31;

std::int32_t day_of(std::int64_t ms) {
  return static_cast<std::int32_t>((ms >= 0 ? ms : ms - (kDayMs - 1)) / kDayMs);
}

std::string day_text(std::int32_t day) {
  return utc_day(static_cast<std::int64_t>(day) * kDayMs);
}

std::uint16_t country_number(std::string_view code) {
  if (code.size() != 2) return kUnknownCountry;
  return static_cast<std::uint16_t>((static_cast<unsigned char>(code[0]) << 8) |
                                    static_cast<unsigned char>(code[1]));
}

std::string country_text(std::uint16_t n) {
  if (n == kUnknownCountry) return "unknown";
  return {static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

// Adds one to `key`'s count in a vector sorted by key.
template <class Key, class Probe>
void count_in(std::vector<std::pair<Key, std::uint64_t>>* counts, const Probe& key) {
  // Clicks mostly come in time order: today's day is usually the last.
  if (!counts->empty() && counts->back().first == key) {
    ++counts->back().second;
    return;
  }
  auto it = std::lower_bound(counts->begin(), counts->end(), key,
                             [](const auto& entry, const Probe& k) { return entry.first < k; });
  if (it != counts->end() && it->first == key) {
    ++it->second;
  } else {
    counts->insert(it, {Key(key), 1});
  }
}

// A life's watch number sits in what was padding: a link's clicks cost no more.
static_assert(sizeof(void*) != 8 || sizeof(link_clicks) == 128, "link_clicks must not grow");

bool is_real_host(std::string_view host) {
  return host != "direct" && host != "unknown";
}

}  // namespace

std::string utc_day(std::int64_t ms) {
  // Howard Hinnant's civil_from_days: counting clicks by day must not cost a
  // gmtime and a printf each.
  std::int64_t z = (ms >= 0 ? ms : ms - 86'399'999) / 86'400'000 + 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2);
  std::string out = "0000-00-00";
  auto put = [&](std::size_t at, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i, v /= 10) out[at + i] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  return out;
}

std::string referrer_host(std::string_view referrer) {
  if (referrer.empty()) return "direct";
  auto url = boost::urls::parse_uri(referrer);
  if (!url || url->encoded_host().empty()) return "unknown";
  // A referrer as long as capture keeps, with nothing after its authority,
  // may have lost the end of its host to the cut: not guessed at.
  if (referrer.size() >= kMaxReferrerBytes && url->encoded_path().empty() && !url->has_query() &&
      !url->has_fragment()) {
    return "unknown";
  }
  std::string host(url->encoded_host());
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // An IPv6 literal ("[::1]") is short and has no '/'; any other host must
  // be a DNS name, which also keeps '/' out of the key.
  if (url->host_type() == boost::urls::host_type::ipv6) return host;
  if (!is_host_name(host)) return "unknown";
  return host;
}

status analytics_projection::apply(std::string_view log, const envelope& env) {
  if (log == kLinksLog) {
    if (env.type == event_type::link_created) {
      ++created_[day_of(env.timestamp_ms)];
      // A code created again: its latest incarnation.
      if (auto it = deleted_.find(env.key); it != deleted_.end()) it->second.last_created = env.seq;
    }
    if (env.type == event_type::link_deleted) {
      // The first only: it ends the life that clicks without an incarnation
      // belong to, so which lives a watch joins may change.
      if (deleted_.try_emplace(env.key, deletion{env.seq, 0}).second) recount_watches(env.key);
    }
    return status::ok();
  }
  if (env.type == event_type::orphan_visit) return apply_orphan(env);
  if (env.type == event_type::visits_deleted) return apply_deletion(env);
  // In place for the clicks written since payload version 2; whole for older.
  std::string_view code = env.key;
  std::int64_t clicked_at_ms = env.timestamp_ms;
  click_view click;
  click_recorded old;
  if (!decode_click(env, &click)) {
    if (!decode_click(env, &old)) {
      return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                                std::to_string(env.seq));
    }
    code = old.code;
    clicked_at_ms = old.clicked_at_ms;
    click = view_of(old);
  }
  // Everything that can fail is done: from here the fold only changes state.
  std::string host = referrer_host(click.referrer);
  std::vector<link_clicks>& lives = clicks_[code];
  auto life =
      std::lower_bound(lives.begin(), lives.end(), click.incarnation,
                       [](const link_clicks& l, std::uint64_t inc) { return l.incarnation < inc; });
  if (life == lives.end() || life->incarnation != click.incarnation) {
    life = lives.insert(life, link_clicks{});
    life->incarnation = click.incarnation;
    if (click.incarnation != 0) {
      std::lock_guard lock(watch_mutex_);
      life->watch = watches_.find(code, click.incarnation);
    }
  }
  link_clicks& c = *life;
  ++c.total;
  ++all_.total;
  count_watched(code, c);
  if (click.potential_bot) {
    ++c.bots;
    ++all_.bots;
  }
  c.visits.push_back({env.seq << 2 | (click.potential_bot ? kVisitBot : 0), env.timestamp_ms});
  count_in(&c.days, day_of(clicked_at_ms));
  // Older records kept the header as sent: only an alpha-2 code counts.
  count_in(&c.countries, country_number(country_code(click.country)));
  if (is_real_host(host)) {
    auto known =
        std::lower_bound(c.referrers.begin(), c.referrers.end(), host,
                         [](const auto& entry, const std::string& k) { return entry.first < k; });
    if (known == c.referrers.end() || known->first != host) {
      if (c.hosts >= kMaxReferrerHostsPerLink) {
        host = "other";
      } else {
        ++c.hosts;
      }
    }
  }
  count_in(&c.referrers, std::string_view(host));
  return status::ok();
}

status analytics_projection::apply_orphan(const envelope& env) {
  orphan_visit visit;
  if (!decode_orphan_visit(env, &visit)) {
    return status::corruption("undecodable OrphanVisit at seq " + std::to_string(env.seq));
  }
  ++orphans_.counts.total;
  if (visit.potential_bot) ++orphans_.counts.bots;
  orphans_.visits.push_back({env.seq << 2 | (visit.potential_bot ? kVisitBot : 0) |
                                 (visit.kind == orphan_kind::regular_404 ? kVisitRegular404 : 0),
                             env.timestamp_ms});
  return status::ok();
}

void analytics_projection::count_watched(std::string_view code, const link_clicks& life) {
  if (life.incarnation != 0) {
    // Its own watch only: no other life's lives() holds it.
    if (life.watch != 0) watches_.cell(life.watch).add_applied();
    return;
  }
  // Life 0 (clicks from before incarnations, replayed): every watch it joins.
  std::lock_guard lock(watch_mutex_);
  if (const std::vector<std::uint32_t>* mine = watches_.of(code)) {
    for (std::uint32_t w : *mine) {
      if (first_life(code, watches_.incarnation(w))) {
        watches_.cell(w).add_applied();
      }
    }
  }
}

const visit_cell* analytics_projection::watch(std::string_view code,
                                              std::uint64_t incarnation) const {
  if (incarnation == kLatestIncarnation) return nullptr;
  std::lock_guard lock(watch_mutex_);
  bool added = false;
  const std::uint32_t w = watches_.add(code, incarnation, &added);
  if (w == 0) return nullptr;
  if (added) relink(code);
  return &watches_.cell(w);
}

void analytics_projection::recount_watches(std::string_view code) {
  std::lock_guard lock(watch_mutex_);
  relink(code);
}

void analytics_projection::relink(std::string_view code) const {
  const std::vector<std::uint32_t>* mine = watches_.of(code);
  if (mine == nullptr) return;
  if (const std::vector<link_clicks>* lives = clicks_.find(code)) {
    for (const link_clicks& life : *lives) life.watch = 0;
  }
  for (std::uint32_t w : *mine) {
    std::uint64_t total = 0;
    for (const link_clicks* life : lives(code, watches_.incarnation(w))) {
      total += life->total;
      if (life->incarnation != 0) life->watch = w;  // life 0: count_watched matches it
    }
    watches_.cell(w).reset(total);
  }
}

void analytics_projection::relink_all() {
  std::lock_guard lock(watch_mutex_);
  watches_.for_each_code([&](std::string_view code) { relink(code); });
}

bool analytics_projection::first_life(std::string_view code, std::uint64_t incarnation) const {
  if (deleted_.empty()) return true;
  auto deleted = deleted_.find(code);
  return deleted == deleted_.end() || incarnation < deleted->second.first_deleted;
}

life_refs analytics_projection::lives(std::string_view code, std::uint64_t incarnation) const {
  life_refs out;
  const std::vector<link_clicks>* found = clicks_.find(code);
  if (found == nullptr || found->empty()) return out;
  const std::vector<link_clicks>& all = *found;
  auto deleted = deleted_.find(code);
  if (incarnation == kLatestIncarnation) {
    if (deleted != deleted_.end() && deleted->second.last_created != 0) {
      incarnation = deleted->second.last_created;
    } else {
      // Its first life: the clicks that named it, if any, and those that did not.
      incarnation = all.front().incarnation != 0 || all.size() == 1 ? all.front().incarnation
                                                                    : all[1].incarnation;
    }
  }
  // The first incarnation is any below the code's first LinkDeleted (first_life).
  const bool first = deleted == deleted_.end() || incarnation < deleted->second.first_deleted;
  for (const link_clicks& life : all) {
    if (life.incarnation == incarnation || (first && life.incarnation == 0)) out.push_back(&life);
  }
  return out;
}

void analytics_projection::clear() {
  created_.clear();
  clicks_.clear();
  deleted_.clear();
  all_ = {};
  orphans_ = {};
  deletions_.clear();
  relink_all();
}

namespace {

void save_visits(snapshot_writer& w, const std::vector<visit_ref>& visits) {
  w.varint(visits.size());
  std::uint64_t seq = 0;
  std::int64_t at = 0;
  for (const visit_ref& v : visits) {
    w.varint(v.seq_flags - seq);  // seqs only grow: small deltas
    const auto d = static_cast<std::uint64_t>(v.at_ms) - static_cast<std::uint64_t>(at);
    w.varint((d << 1) ^ (0 - (d >> 63)));  // zigzag: a clock step back stays small
    seq = v.seq_flags;
    at = v.at_ms;
  }
}

}  // namespace

status analytics_projection::save(std::string* out) const {
  snapshot_writer w(out);
  w.varint(created_.size());
  for (const auto& [day, n] : created_) {
    w.varint(static_cast<std::uint64_t>(day + kDayOffset));
    w.varint(n);
  }
  w.varint(deleted_.size());
  for (const auto& [code, d] : deleted_) {
    w.bytes(code);
    w.varint(d.first_deleted);
    w.varint(d.last_created);
  }
  w.varint(clicks_.size());
  for (const auto& [code, lives] : clicks_) {
    w.bytes(code);
    w.varint(lives.size());
    for (const link_clicks& c : lives) {
      w.varint(c.incarnation);
      w.varint(c.total);
      w.varint(c.bots);
      w.varint(c.hosts);
      w.varint(c.days.size());
      for (const auto& [day, n] : c.days) {
        w.varint(static_cast<std::uint64_t>(day + kDayOffset));
        w.varint(n);
      }
      w.varint(c.countries.size());
      for (const auto& [cc, n] : c.countries) {
        w.varint(cc);
        w.varint(n);
      }
      w.varint(c.referrers.size());
      for (const auto& [host, n] : c.referrers) {
        w.bytes(host);
        w.varint(n);
      }
      save_visits(w, c.visits);
    }
  }
  w.varint(orphans_.counts.total);
  w.varint(orphans_.counts.bots);
  save_visits(w, orphans_.visits);
  w.varint(deletions_.size());
  for (const auto& [seq, removed] : deletions_) {
    w.varint(seq);
    w.varint(removed);
  }
  return status::ok();
}

namespace {

bool read_day(snapshot_reader& r, std::int32_t* day) {
  std::uint64_t shifted = 0;
  if (!r.varint(&shifted) || shifted > 2 * static_cast<std::uint64_t>(kDayOffset)) return false;
  *day = static_cast<std::int32_t>(static_cast<std::int64_t>(shifted) - kDayOffset);
  return true;
}

// A count of list entries no larger than the bytes left could hold.
bool read_count(snapshot_reader& r, std::string_view saved, std::uint64_t* n) {
  return r.varint(n) && *n <= saved.size();
}

bool load_visits(snapshot_reader& r, std::string_view saved, std::vector<visit_ref>* visits) {
  std::uint64_t n = 0;
  if (!read_count(r, saved, &n)) return false;
  visits->resize(n);
  std::uint64_t seq = 0;
  std::uint64_t at = 0;
  for (visit_ref& v : *visits) {
    std::uint64_t dseq = 0;
    std::uint64_t zz = 0;
    if (!r.varint(&dseq) || !r.varint(&zz)) return false;
    seq += dseq;
    at += (zz >> 1) ^ (0 - (zz & 1));
    v = {seq, static_cast<std::int64_t>(at)};
  }
  return true;
}

bool load_life(snapshot_reader& r, std::string_view saved, link_clicks* c) {
  std::uint64_t entries = 0;
  if (!r.varint(&c->incarnation) || !r.varint(&c->total) || !r.varint(&c->bots) ||
      !r.number(&c->hosts) || !read_count(r, saved, &entries)) {
    return false;
  }
  c->days.resize(entries);
  for (auto& [day, k] : c->days) {
    if (!read_day(r, &day) || !r.varint(&k)) return false;
  }
  if (!read_count(r, saved, &entries)) return false;
  c->countries.resize(entries);
  for (auto& [cc, k] : c->countries) {
    if (!r.number(&cc) || !r.varint(&k)) return false;
  }
  if (!read_count(r, saved, &entries)) return false;
  c->referrers.resize(entries);
  for (auto& [host, k] : c->referrers) {
    if (!r.bytes(&host) || !r.varint(&k)) return false;
  }
  return load_visits(r, saved, &c->visits);
}

}  // namespace

status analytics_projection::load(std::string_view saved) {
  auto bad = [] { return status::corruption("analytics snapshot does not decode"); };
  snapshot_reader r(saved);
  std::map<std::int32_t, std::uint64_t> created;
  decltype(clicks_) clicks;
  decltype(deleted_) deleted;
  visit_counts all;
  orphan_clicks orphans;
  std::uint64_t n = 0;
  if (!read_count(r, saved, &n)) return bad();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int32_t day = 0;
    std::uint64_t count = 0;
    if (!read_day(r, &day) || !r.varint(&count)) return bad();
    created[day] = count;
  }
  if (!read_count(r, saved, &n)) return bad();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string code;
    deletion d;
    if (!r.bytes(&code) || !r.varint(&d.first_deleted) || !r.varint(&d.last_created)) return bad();
    deleted.emplace(std::move(code), d);
  }
  if (!read_count(r, saved, &n)) return bad();
  clicks.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string code;
    std::uint64_t count = 0;
    if (!r.bytes(&code) || !read_count(r, saved, &count)) return bad();
    std::vector<link_clicks> lives(count);
    for (link_clicks& c : lives) {
      if (!load_life(r, saved, &c)) return bad();
      all.total += c.total;
      all.bots += c.bots;
    }
    clicks[code] = std::move(lives);
  }
  if (!r.varint(&orphans.counts.total) || !r.varint(&orphans.counts.bots) ||
      !load_visits(r, saved, &orphans.visits) || !read_count(r, saved, &n) ||
      n > kRecentDeletionsKept) {
    return bad();
  }
  decltype(deletions_) deletions;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::uint64_t seq = 0;
    std::uint64_t removed = 0;
    if (!r.varint(&seq) || !r.varint(&removed)) return bad();
    deletions.emplace_back(seq, removed);
  }
  if (!r.at_end()) return bad();
  created_ = std::move(created);
  clicks_ = std::move(clicks);
  deleted_ = std::move(deleted);
  all_ = all;
  orphans_ = std::move(orphans);
  deletions_ = std::move(deletions);
  relink_all();
  return status::ok();
}

namespace {

// Count and an FNV-1a checksum of a visit index: `replay --verify` sees any
// visit that differs without listing each.
std::string index_text(const std::vector<visit_ref>& visits) {
  std::uint64_t h = 14695981039346656037ull;
  for (const visit_ref& v : visits) {
    for (std::uint64_t word : {v.seq_flags, static_cast<std::uint64_t>(v.at_ms)}) {
      h = (h ^ word) * 1099511628211ull;
    }
  }
  return std::to_string(visits.size()) + " " + std::to_string(h);
}

}  // namespace

void analytics_projection::for_each_entry(const entry_visitor& fn) const {
  std::vector<std::pair<std::string, std::string>> entries;
  auto add = [&](std::string key, std::uint64_t n) {
    entries.emplace_back(std::move(key), std::to_string(n));
  };
  for (const auto& [day, n] : created_) add("day/" + day_text(day), n);
  for (const auto& [code, d] : deleted_) {
    entries.emplace_back("del/" + code,
                         std::to_string(d.first_deleted) + " " + std::to_string(d.last_created));
  }
  for (const auto& [code, lives] : clicks_) {
    std::uint64_t total = 0;
    for (const link_clicks& c : lives) {
      total += c.total;
      const std::string life = code + "@" + std::to_string(c.incarnation);
      add("ltot/" + life, c.total);
      add("bots/" + life, c.bots);
      entries.emplace_back("vidx/" + life, index_text(c.visits));
      if (c.hosts > 0) add("crefn/" + life, c.hosts);
      for (const auto& [day, n] : c.days) add("cday/" + life + "/" + day_text(day), n);
      for (const auto& [cc, n] : c.countries) add("ccty/" + life + "/" + country_text(cc), n);
      for (const auto& [host, n] : c.referrers) add("cref/" + life + "/" + host, n);
    }
    add("tot/" + code, total);
  }
  if (orphans_.counts.total > 0) {
    add("orphan/tot", orphans_.counts.total);
    add("orphan/bots", orphans_.counts.bots);
    entries.emplace_back("orphan/vidx", index_text(orphans_.visits));
  }
  for (const auto& [seq, removed] : deletions_) add("vdel/" + std::to_string(seq), removed);
  std::sort(entries.begin(), entries.end());
  for (const auto& [key, value] : entries) fn(key, value);
}

analytics_reader::analytics_reader(const projection_store& store, const event_log& links,
                                   const event_log* clicks)
    : store_(store), links_(links), clicks_(clicks) {}

namespace {

const analytics_projection& analytics_of(const projection& p) {
  return static_cast<const analytics_projection&>(p);
}

}  // namespace

status analytics_reader::daily(std::vector<daily_count>* rows) const {
  store_.read([&](const projection& p) {
    for (const auto& [day, n] : analytics_of(p).created_per_day())
      rows->push_back({day_text(day), n});
  });
  return status::ok();
}

namespace {

visit_counts counts_of(const life_refs& lives) {
  visit_counts out;
  for (const link_clicks* c : lives) {
    out.total += c->total;
    out.bots += c->bots;
  }
  return out;
}

// Adds `counts` to `out` as text keys (two lives are joined), at most `max`
// keys; says if it cut.
template <class Key, class Text>
void add_counts(const std::vector<std::pair<Key, std::uint64_t>>& counts, const Text& text,
                std::size_t max, std::map<std::string, std::uint64_t>* out, bool* truncated) {
  for (const auto& [key, n] : counts) {
    std::string k = text(key);
    auto it = out->find(k);
    if (it != out->end()) {
      it->second += n;
    } else if (out->size() == max) {
      *truncated = true;
    } else {
      out->emplace(std::move(k), n);
    }
  }
}

// The page of `filter` over one or two visit indexes (each in seq order),
// newest (highest seq) first: one pass from the ends, no copy of an index.
void page_of(const std::vector<const std::vector<visit_ref>*>& indexes, const visit_filter& filter,
             visit_page* out) {
  std::vector<std::size_t> left;  // per index: how many of it are still to see
  for (const auto* index : indexes) left.push_back(index->size());
  for (;;) {
    std::size_t pick = indexes.size();
    for (std::size_t i = 0; i < indexes.size(); ++i) {
      if (left[i] == 0) continue;
      if (pick == indexes.size() ||
          (*indexes[i])[left[i] - 1].seq() > (*indexes[pick])[left[pick] - 1].seq()) {
        pick = i;
      }
    }
    if (pick == indexes.size()) return;
    const visit_ref& v = (*indexes[pick])[--left[pick]];
    if (v.at_ms < filter.since_ms || v.at_ms > filter.until_ms) continue;
    if (filter.exclude_bots && v.potential_bot()) continue;
    if (filter.regular_404 != kAnyOrphanKind && v.regular_404() != (filter.regular_404 == 1)) {
      continue;
    }
    if (out->matched >= filter.offset && out->refs.size() < filter.limit) out->refs.push_back(v);
    ++out->matched;
  }
}

}  // namespace

status analytics_reader::total_clicks(std::string_view code, std::uint64_t* out) const {
  *out = visits_of(code, kLatestIncarnation).total;
  return status::ok();
}

visit_counts analytics_reader::visits_of(std::string_view code, std::uint64_t incarnation) const {
  return store_.read([&](const projection& p) -> visit_counts {
    return counts_of(analytics_of(p).lives(code, incarnation));
  });
}

const visit_cell* analytics_reader::watch(std::string_view code, std::uint64_t incarnation) const {
  return store_.read([&](const projection& p) { return analytics_of(p).watch(code, incarnation); });
}

status analytics_reader::stats(std::string_view code, std::uint64_t incarnation, link_stats* out,
                               std::size_t max_entries) const {
  store_.read([&](const projection& p) {
    for (const link_clicks* c : analytics_of(p).lives(code, incarnation)) {
      out->total += c->total;
      out->bots += c->bots;
      add_counts(c->days, day_text, max_entries, &out->by_day, &out->truncated);
      add_counts(c->countries, country_text, max_entries, &out->by_country, &out->truncated);
      add_counts(
          c->referrers, [](const std::string& host) { return host; }, max_entries,
          &out->by_referrer, &out->truncated);
    }
  });
  return status::ok();
}

void analytics_reader::list_visits(std::string_view code, std::uint64_t incarnation,
                                   const visit_filter& filter, visit_page* out) const {
  store_.read([&](const projection& p) {
    std::vector<const std::vector<visit_ref>*> indexes;
    for (const link_clicks* c : analytics_of(p).lives(code, incarnation)) {
      indexes.push_back(&c->visits);
    }
    page_of(indexes, filter, out);
  });
}

void analytics_reader::overview(visit_counts* links, visit_counts* orphans) const {
  store_.read([&](const projection& p) {
    *links = analytics_of(p).link_visits();
    *orphans = analytics_of(p).orphans().counts;
  });
}

void analytics_reader::list_orphans(const visit_filter& filter, visit_page* out) const {
  store_.read(
      [&](const projection& p) { page_of({&analytics_of(p).orphans().visits}, filter, out); });
}

std::vector<log_position> analytics_reader::freshness() const {
  std::vector<log_position> out;
  out.push_back({std::string(kLinksLog), store_.checkpoint(kLinksLog), links_.highest_seq()});
  if (clicks_ != nullptr) {
    out.push_back({std::string(kClicksLog), store_.checkpoint(kClicksLog), clicks_->highest_seq()});
  }
  return out;
}

}  // namespace linkly
