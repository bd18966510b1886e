#pragma once
// analytics: links created per UTC day (from the links log), and per link
// its clicks in all, per UTC day, per country and per referrer host (from
// the clicks log). Days come from each event's own timestamp, so a replay
// gives the same answer.
//
// Keys (counters, projection_store's 8-byte encoding):
//   "day/" YYYY-MM-DD               links created that day
//   "tot/" code                     clicks of the link
//   "cday/" code "/" YYYY-MM-DD     its clicks that day
//   "ccty/" code "/" country        ... from that country ("unknown" if none)
//   "cref/" code "/" host           ... referred by that host ("direct" if none)
//   "crefn/" code                   distinct hosts among its "cref/" keys
// Codes never contain '/', so a link's prefix never matches another's.
//
// No key holds unbounded client data: a country is an ISO 3166 alpha-2
// code (at most 26*26 keys per link), a referrer host a DNS name of at most
// 253 bytes, and a link counts at most kMaxReferrerHostsPerLink distinct
// hosts; later new ones count under "other". The fold only reads what
// earlier events wrote, so a replay builds the same keys.

#include "actors/projection.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace linkly {

class event_log;

/// Distinct referrer hosts counted per link; more go to "other". A host
/// costs up to ~270 bytes of key, so a link's referrer keys stay under
/// ~70 KB whatever clients send, and its stats map (1000 entries) is whole.
inline constexpr std::uint64_t kMaxReferrerHostsPerLink = 256;

class analytics_projection final : public projection {
 public:
  std::string_view name() const override { return "analytics"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog, kClicksLog}; }
  status apply(std::string_view log, const envelope& env, const projection_store& store,
               write_set* writes) const override;
};

struct daily_count {
  std::string day;  // YYYY-MM-DD
  std::uint64_t count = 0;
};

struct link_stats {
  std::uint64_t total = 0;
  std::map<std::string, std::uint64_t> by_day;
  std::map<std::string, std::uint64_t> by_country;
  std::map<std::string, std::uint64_t> by_referrer;
  /// A map held more than the reader's limit: only the first entries, in
  /// key order, are here. Referrers and countries come from request headers,
  /// so a client can make them many.
  bool truncated = false;
};

/// Reads the analytics store. Any thread; each call is a few LevelDB reads.
class analytics_reader {
 public:
  /// `links` and `clicks` give the heads; `clicks` may be null (clicks off).
  analytics_reader(const projection_store& store, const event_log& links, const event_log* clicks);

  /// Links created per UTC day, oldest day first.
  status daily(std::vector<daily_count>* rows) const;
  /// At most `max_entries` per map (see link_stats::truncated).
  status stats(std::string_view code, link_stats* out, std::size_t max_entries = 1000) const;
  /// Clicks of one link in all (0 for none).
  status total_clicks(std::string_view code, std::uint64_t* out) const;
  /// Checkpoint and head per followed log.
  std::vector<log_position> freshness() const;

 private:
  const projection_store& store_;
  const event_log& links_;
  const event_log* clicks_;
};

/// The UTC day of a timestamp: "2026-12-01".
std::string utc_day(std::int64_t ms);

/// The host of a referrer url, lowercased; "direct" for none, "unknown" for
/// one that does not parse or whose host is not a DNS name (is_host_name)
/// or an IPv6 literal.
std::string referrer_host(std::string_view referrer);

}  // namespace linkly
