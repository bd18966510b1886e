#include "actors/analytics_projection.hpp"

#include "schemas/click_events.hpp"
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
  std::string host(url->encoded_host());
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  // A '/' in a key would mix links' prefixes up; hosts have none, but be sure.
  std::replace(host.begin(), host.end(), '/', '_');
  return host;
}

status analytics_projection::apply(std::string_view log, const envelope& env,
                                   const projection_store&, write_set* writes) const {
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
  std::string country = click.country.empty() ? "unknown" : click.country;
  std::replace(country.begin(), country.end(), '/', '_');
  writes->add(key(kCountryPrefix, click.code, country), 1);
  writes->add(key(kReferrerPrefix, click.code, referrer_host(click.referrer)), 1);
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
