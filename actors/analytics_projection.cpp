#include "actors/analytics_projection.hpp"

#include "schemas/click_events.hpp"
#include "schemas/click_fields.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>

namespace linkly {

namespace {

constexpr std::string_view kDayPrefix = "day/";
constexpr std::string_view kTotalPrefix = "tot/";
constexpr std::string_view kClickDayPrefix = "cday/";
constexpr std::string_view kCountryPrefix = "ccty/";
constexpr std::string_view kReferrerPrefix = "cref/";
constexpr std::string_view kReferrerCountPrefix = "crefn/";

std::string key(std::string_view prefix, std::string_view code, std::string_view sub) {
  std::string k;
  k.reserve(prefix.size() + code.size() + 1 + sub.size());
  k.append(prefix).append(code).append("/").append(sub);
  return k;
}

// Reads at most `max` counters under `prefix`; says whether there were more.
status read_counters(const projection_store& store, std::string_view prefix,
                     std::map<std::string, std::uint64_t>* out, std::size_t max = SIZE_MAX,
                     bool* truncated = nullptr) {
  status bad;
  status st = store.scan(prefix, "", [&](std::string_view k, std::string_view v) {
    if (out->size() == max) {
      if (truncated != nullptr) *truncated = true;
      return false;
    }
    std::uint64_t n = 0;
    if (!decode_counter(v, &n)) {
      bad = status::corruption("counter " + std::string(k) + " is not 8 bytes");
      return false;
    }
    (*out)[std::string(k.substr(prefix.size()))] = n;
    return true;
  });
  return st ? bad : st;
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

namespace {

// The referrer key a click counts under: its host while the link has seen
// fewer than kMaxReferrerHostsPerLink distinct ones, else "other". Reads
// through `writes`, so the answer is the same whether a batch holds one
// event or many: a replay folds to the same keys.
status referrer_key(const projection_store& store, const write_set& writes, std::string_view code,
                    std::string host, std::string* key_out, bool* new_host) {
  *new_host = false;
  *key_out = key(kReferrerPrefix, code, host);
  if (host == "direct" || host == "unknown") return status::ok();
  std::string value;
  status st = writes.get(store, *key_out, &value);
  if (st) return status::ok();  // counted before
  if (!st.is_not_found()) return st;
  std::string count_key(kReferrerCountPrefix);
  count_key.append(code);
  std::uint64_t hosts = 0;
  st = writes.get(store, count_key, &value);
  if (st) {
    if (!decode_counter(value, &hosts)) {
      return status::corruption("counter " + count_key + " is not 8 bytes");
    }
  } else if (!st.is_not_found()) {
    return st;
  }
  if (hosts >= kMaxReferrerHostsPerLink) {
    *key_out = key(kReferrerPrefix, code, "other");
    return status::ok();
  }
  *new_host = true;
  return status::ok();
}

}  // namespace

status analytics_projection::apply(std::string_view log, const envelope& env,
                                   const projection_store& store, write_set* writes) const {
  if (log == kLinksLog) {
    if (env.type != event_type::link_created) return status::ok();
    std::string k(kDayPrefix);
    k.append(utc_day(env.timestamp_ms));
    writes->add(k, 1);
    return status::ok();
  }
  click_recorded click;
  if (!decode_click(env, &click)) {
    return status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                              std::to_string(env.seq));
  }
  std::string total(kTotalPrefix);
  total.append(click.code);
  writes->add(total, 1);
  writes->add(key(kClickDayPrefix, click.code, utc_day(click.clicked_at_ms)), 1);
  // Older records kept the header as sent: only an alpha-2 code is a key.
  std::string country = country_code(click.country);
  writes->add(key(kCountryPrefix, click.code, country.empty() ? "unknown" : country), 1);
  std::string referrer;
  bool new_host = false;
  if (status st = referrer_key(store, *writes, click.code, referrer_host(click.referrer), &referrer,
                               &new_host);
      !st) {
    return st;
  }
  if (new_host) writes->add(std::string(kReferrerCountPrefix) + click.code, 1);
  writes->add(referrer, 1);
  return status::ok();
}

analytics_reader::analytics_reader(const projection_store& store, const event_log& links,
                                   const event_log* clicks)
    : store_(store), links_(links), clicks_(clicks) {}

status analytics_reader::daily(std::vector<daily_count>* rows) const {
  std::map<std::string, std::uint64_t> days;
  if (status st = read_counters(store_, kDayPrefix, &days); !st) return st;
  for (auto& [day, n] : days) rows->push_back({day, n});
  return status::ok();
}

status analytics_reader::total_clicks(std::string_view code, std::uint64_t* out) const {
  std::string value;
  std::string k(kTotalPrefix);
  k.append(code);
  status st = store_.get(k, &value);
  if (st.is_not_found()) {
    *out = 0;
    return status::ok();
  }
  if (!st) return st;
  if (!decode_counter(value, out)) return status::corruption("counter " + k + " is not 8 bytes");
  return status::ok();
}

status analytics_reader::stats(std::string_view code, link_stats* out,
                               std::size_t max_entries) const {
  if (status st = total_clicks(code, &out->total); !st) return st;
  const std::string sub = std::string(code) + "/";
  for (auto [prefix, map] :
       {std::pair{kClickDayPrefix, &out->by_day}, std::pair{kCountryPrefix, &out->by_country},
        std::pair{kReferrerPrefix, &out->by_referrer}}) {
    status st = read_counters(store_, std::string(prefix) + sub, map, max_entries, &out->truncated);
    if (!st) return st;
  }
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
