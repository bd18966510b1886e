// Snapshot body (storage/snapshot_codec.hpp), version 1:
//   created_days { day+2^31 count }*
//   links { code total hosts days { day+2^31 count }* countries { cc count }*
//           referrers { host count }* }*
// each list preceded by its length.

#include "actors/analytics_projection.hpp"

#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
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
    if (env.type == event_type::link_created) ++created_[day_of(env.timestamp_ms)];
    return status::ok();
  }
  click_recorded click;
  if (!decode_click(env, &click)) {
    return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                              std::to_string(env.seq));
  }
  // Everything that can fail is done: from here the fold only changes state.
  std::string host = referrer_host(click.referrer);
  auto it = clicks_.find(click.code);
  if (it == clicks_.end()) it = clicks_.emplace(std::move(click.code), link_clicks{}).first;
  link_clicks& c = it->second;
  ++c.total;
  count_in(&c.days, day_of(click.clicked_at_ms));
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

const link_clicks* analytics_projection::clicks(std::string_view code) const {
  auto it = clicks_.find(code);
  return it == clicks_.end() ? nullptr : &it->second;
}

void analytics_projection::clear() {
  created_.clear();
  clicks_.clear();
}

status analytics_projection::save(std::string* out) const {
  snapshot_writer w(out);
  w.varint(created_.size());
  for (const auto& [day, n] : created_) {
    w.varint(static_cast<std::uint64_t>(day + kDayOffset));
    w.varint(n);
  }
  w.varint(clicks_.size());
  for (const auto& [code, c] : clicks_) {
    w.bytes(code);
    w.varint(c.total);
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

}  // namespace

status analytics_projection::load(std::string_view saved) {
  auto bad = [] { return status::corruption("analytics snapshot does not decode"); };
  snapshot_reader r(saved);
  std::map<std::int32_t, std::uint64_t> created;
  decltype(clicks_) clicks;
  std::uint64_t n = 0;
  if (!read_count(r, saved, &n)) return bad();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int32_t day = 0;
    std::uint64_t count = 0;
    if (!read_day(r, &day) || !r.varint(&count)) return bad();
    created[day] = count;
  }
  if (!read_count(r, saved, &n)) return bad();
  clicks.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string code;
    link_clicks c;
    std::uint64_t entries = 0;
    if (!r.bytes(&code) || !r.varint(&c.total) || !r.number(&c.hosts) ||
        !read_count(r, saved, &entries)) {
      return bad();
    }
    c.days.resize(entries);
    for (auto& [day, count] : c.days) {
      if (!read_day(r, &day) || !r.varint(&count)) return bad();
    }
    if (!read_count(r, saved, &entries)) return bad();
    c.countries.resize(entries);
    for (auto& [cc, count] : c.countries) {
      if (!r.number(&cc) || !r.varint(&count)) return bad();
    }
    if (!read_count(r, saved, &entries)) return bad();
    c.referrers.resize(entries);
    for (auto& [host, count] : c.referrers) {
      if (!r.bytes(&host) || !r.varint(&count)) return bad();
    }
    clicks.emplace(std::move(code), std::move(c));
  }
  if (!r.at_end()) return bad();
  created_ = std::move(created);
  clicks_ = std::move(clicks);
  return status::ok();
}

void analytics_projection::for_each_entry(const entry_visitor& fn) const {
  std::vector<std::pair<std::string, std::uint64_t>> entries;
  for (const auto& [day, n] : created_) entries.emplace_back("day/" + day_text(day), n);
  for (const auto& [code, c] : clicks_) {
    entries.emplace_back("tot/" + code, c.total);
    if (c.hosts > 0) entries.emplace_back("crefn/" + code, c.hosts);
    for (const auto& [day, n] : c.days)
      entries.emplace_back("cday/" + code + "/" + day_text(day), n);
    for (const auto& [cc, n] : c.countries) {
      entries.emplace_back("ccty/" + code + "/" + country_text(cc), n);
    }
    for (const auto& [host, n] : c.referrers) entries.emplace_back("cref/" + code + "/" + host, n);
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& [key, n] : entries) fn(key, std::to_string(n));
}

analytics_reader::analytics_reader(const projection_store& store, const event_log& links,
                                   const event_log* clicks)
    : store_(store), links_(links), clicks_(clicks) {}

namespace {

const analytics_projection& analytics_of(const projection& p) {
  return static_cast<const analytics_projection&>(p);
}

// Copies `counts` into `out` as text keys, at most `max`; says if it cut.
template <class Key, class Text>
void copy_counts(const std::vector<std::pair<Key, std::uint64_t>>& counts, const Text& text,
                 std::size_t max, std::map<std::string, std::uint64_t>* out, bool* truncated) {
  for (const auto& [key, n] : counts) {
    if (out->size() == max) {
      *truncated = true;
      return;
    }
    (*out)[text(key)] = n;
  }
}

}  // namespace

status analytics_reader::daily(std::vector<daily_count>* rows) const {
  store_.read([&](const projection& p) {
    for (const auto& [day, n] : analytics_of(p).created_per_day())
      rows->push_back({day_text(day), n});
  });
  return status::ok();
}

status analytics_reader::total_clicks(std::string_view code, std::uint64_t* out) const {
  *out = store_.read([&](const projection& p) -> std::uint64_t {
    const link_clicks* c = analytics_of(p).clicks(code);
    return c == nullptr ? 0 : c->total;
  });
  return status::ok();
}

status analytics_reader::stats(std::string_view code, link_stats* out,
                               std::size_t max_entries) const {
  store_.read([&](const projection& p) {
    const link_clicks* c = analytics_of(p).clicks(code);
    if (c == nullptr) return;
    out->total = c->total;
    copy_counts(c->days, day_text, max_entries, &out->by_day, &out->truncated);
    copy_counts(c->countries, country_text, max_entries, &out->by_country, &out->truncated);
    copy_counts(
        c->referrers, [](const std::string& host) { return host; }, max_entries, &out->by_referrer,
        &out->truncated);
  });
  return status::ok();
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
