#pragma once
// analytics: links created per UTC day (from the links log), and per link
// its clicks in all, per UTC day, per country and per referrer host (from
// the clicks log), in memory. Days come from each event's own timestamp, so
// a replay gives the same answer.
//
// As entries (for_each_entry, what `replay --verify` compares):
//   "day/" YYYY-MM-DD               links created that day
//   "tot/" code                     clicks of the link
//   "cday/" code "/" YYYY-MM-DD     its clicks that day
//   "ccty/" code "/" country        ... from that country ("unknown" if none)
//   "cref/" code "/" host           ... referred by that host ("direct" if none)
//   "crefn/" code                   distinct hosts among its "cref/" entries
//
// Nothing held grows with client data without bound: a country is an ISO
// 3166 alpha-2 code (at most 26*26 per link), a referrer host a DNS name of
// at most 253 bytes, and a link counts at most kMaxReferrerHostsPerLink
// distinct hosts; later new ones count under "other". The fold only reads
// what earlier events left, so a replay builds the same state.

#include "actors/projection.hpp"
#include "storage/string_hash.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace linkly {

class event_log;
class projection_store;

/// Distinct referrer hosts counted per link; more go to "other". A host
/// costs up to ~270 bytes, so a link's referrers stay under ~70 KB whatever
/// clients send, and its stats map (1000 entries) is whole.
inline constexpr std::uint64_t kMaxReferrerHostsPerLink = 256;

/// One link's clicks. Small sorted vectors: most links have a few days,
/// countries and hosts, and a vector costs a fraction of a map's nodes.
struct link_clicks {
  std::uint64_t total = 0;
  std::uint32_t hosts = 0;  // distinct real hosts among `referrers`
  std::vector<std::pair<std::int32_t, std::uint64_t>> days;        // days since 1970-01-01
  std::vector<std::pair<std::uint16_t, std::uint64_t>> countries;  // two letters; kUnknownCountry
  std::vector<std::pair<std::string, std::uint64_t>> referrers;    // by host
};

class analytics_projection final : public projection {
 public:
  std::string_view name() const override { return "analytics"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog, kClicksLog}; }
  status apply(std::string_view log, const envelope& env) override;
  status save(std::string* out) const override;
  status load(std::string_view saved) override;
  std::uint32_t snapshot_version() const override { return 1; }
  void clear() override;
  void for_each_entry(const entry_visitor& fn) const override;

  /// Links created per day (days since 1970-01-01).
  const std::map<std::int32_t, std::uint64_t>& created_per_day() const { return created_; }
  /// The clicks of `code`; nullptr if it has none.
  const link_clicks* clicks(std::string_view code) const;

 private:
  std::map<std::int32_t, std::uint64_t> created_;
  std::unordered_map<std::string, link_clicks, string_hash, std::equal_to<>> clicks_;
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

/// Reads the analytics state. Any thread; each call holds the store's read
/// lock for a few lookups.
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
