#pragma once
// analytics: links created per UTC day (from the links log), and per life
// of a link (code + incarnation: a deleted and re-created code starts from
// zero) its clicks in all, potential bots among them, per UTC day, per
// country and per referrer host, and an index of its visits (click seq,
// time, bot bit: 16 bytes a click) from which the visits lists are read
// back from the clicks log, in memory. Days come from each event's own
// timestamp, so a replay gives the same answer.
//
// Incarnations: a click of payload version 3 names its link's incarnation
// (the seq of the LinkCreated its life began with); an older click has none
// (0) and belongs to its code's first incarnation, the only one there was
// when it was written. That one is any incarnation below the code's first
// LinkDeleted (tracked per deleted code, from the links log), so lives 0 and
// the first's are joined when read, never when applied: the state does not
// depend on how the two logs' events interleave, and a replay matches.
//
// As entries (for_each_entry, what `replay --verify` compares); L is
// code "@" incarnation:
//   "day/" YYYY-MM-DD               links created that day
//   "del/" code                     seq of its first LinkDeleted, and of its
//                                   last LinkCreated after it (0: none)
//   "tot/" code                     clicks of the code, every life
//   "bots/" L, "ltot/" L            potential bots / clicks of that life
//   "vidx/" L                       its visit index: count and a checksum
//   "cday/" L "/" YYYY-MM-DD        its clicks that day
//   "ccty/" L "/" country           ... from that country ("unknown" if none)
//   "cref/" L "/" host              ... referred by that host ("direct" if none)
//   "crefn/" L                      distinct hosts among its "cref/" entries
//   "orphan/tot", "orphan/bots", "orphan/vidx"   orphan visits (redirect misses)
//   "vdel/" seq                     visits a VisitsDeleted removed (the last
//                                   kRecentDeletionsKept deletions only)
//
// VisitsDeleted (schemas/visits_deleted.hpp) applies in clicks-log order: the
// life it names loses every visit applied so far (its counts, days,
// countries, referrers and visit index), with the unnamed clicks (life 0)
// when it says they are that life's; clicks after it count afresh. How many
// it removed is kept for the one who asked (recent_deletion()).
//
// Watches (visit_watches): a life whose visit count a redirect checks on
// every request (max_visits) gets a cell that the folds keep equal to its
// lives() total, so the redirect reads it without this state's lock.
//
// Nothing held grows with client data without bound: a country is an ISO
// 3166 alpha-2 code (at most 26*26 per link), a referrer host a DNS name of
// at most 253 bytes, and a link counts at most kMaxReferrerHostsPerLink
// distinct hosts; later new ones count under "other". The fold only reads
// what earlier events left, so a replay builds the same state.

#include "actors/code_table.hpp"
#include "actors/projection.hpp"
#include "actors/visit_cell.hpp"
#include "actors/visit_watches.hpp"
#include "storage/string_hash.hpp"

#include <array>
#include <cstdint>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
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

/// One visit in a visits index: where its event is in the clicks log, and
/// what the lists filter on without reading it.
struct visit_ref {
  std::uint64_t seq_flags = 0;  // clicks-log seq << 2 | kVisitRegular404 | kVisitBot
  std::int64_t at_ms = 0;       // the event's timestamp, UTC ms

  std::uint64_t seq() const { return seq_flags >> 2; }
  bool potential_bot() const { return (seq_flags & 1) != 0; }
  bool regular_404() const { return (seq_flags & 2) != 0; }
};
inline constexpr std::uint64_t kVisitBot = 1;
inline constexpr std::uint64_t kVisitRegular404 = 2;  // orphan visits only

/// One life of a link's clicks. Small sorted vectors: most links have a few
/// days, countries and hosts, and a vector costs a fraction of a map's nodes.
struct link_clicks {
  std::uint64_t incarnation = 0;  // 0: clicks that did not say (see the top)
  std::uint64_t total = 0;
  std::uint64_t bots = 0;
  std::uint32_t hosts = 0;  // distinct real hosts among `referrers`
  // The visit_watches number of the watch this life's clicks count for (0:
  // none; life 0's clicks are matched to their watches when applied). Set
  // by watch() under the shared lock, read only by the folds.
  mutable std::uint32_t watch = 0;
  std::vector<std::pair<std::int32_t, std::uint64_t>> days;        // days since 1970-01-01
  std::vector<std::pair<std::uint16_t, std::uint64_t>> countries;  // two letters; kUnknownCountry
  std::vector<std::pair<std::string, std::uint64_t>> referrers;    // by host
  std::vector<visit_ref> visits;                                   // in seq order
};

/// Visits of one kind in all, and the potential bots among them.
struct visit_counts {
  std::uint64_t total = 0;
  std::uint64_t bots = 0;
};

/// Orphan visits: redirect misses (schemas/orphan_visit.hpp).
struct orphan_clicks {
  visit_counts counts;
  std::vector<visit_ref> visits;  // in seq order
};

/// Deletions of visits whose removed count is kept for their requester: it
/// reads it right after the projection applies its event (a few ms), so a
/// thousand concurrent deletions can pass before one is forgotten; 16 bytes
/// each.
inline constexpr std::size_t kRecentDeletionsKept = 1024;

/// "The life the link lives now, or lived last": for a code that is not
/// live, whose incarnation the caller does not know.
inline constexpr std::uint64_t kLatestIncarnation = ~std::uint64_t{0};

/// The lives lives() finds: at most two, held in place (a max_visits check
/// asks on every redirect of its link, so no allocation).
class life_refs {
 public:
  const link_clicks* const* begin() const { return items_.data(); }
  const link_clicks* const* end() const { return items_.data() + count_; }
  bool empty() const { return count_ == 0; }
  std::size_t size() const { return count_; }
  void push_back(const link_clicks* life) {
    if (count_ < items_.size()) items_[count_++] = life;
  }

 private:
  std::array<const link_clicks*, 2> items_{};
  std::size_t count_ = 0;
};

class analytics_projection final : public projection {
 public:
  std::string_view name() const override { return "analytics"; }
  std::vector<std::string_view> logs() const override { return {kLinksLog, kClicksLog}; }
  status apply(std::string_view log, const envelope& env) override;
  status save(std::string* out) const override;
  status load(std::string_view saved) override;
  std::uint32_t snapshot_version() const override { return 3; }  // 3: deletions
  void clear() override;
  void for_each_entry(const entry_visitor& fn) const override;

  /// Links created per day (days since 1970-01-01).
  const std::map<std::int32_t, std::uint64_t>& created_per_day() const { return created_; }
  /// The lives of `code` that hold the clicks of its incarnation
  /// `incarnation` (kLatestIncarnation: its latest, by the links log, even
  /// one not clicked yet): at most two (that
  /// life's own and, for the first incarnation, the clicks that did not
  /// say); none if it has no clicks.
  life_refs lives(std::string_view code, std::uint64_t incarnation) const;
  /// Visits of every link, every life.
  visit_counts link_visits() const { return all_; }
  const orphan_clicks& orphans() const { return orphans_; }
  /// How many visits the VisitsDeleted at clicks-log seq `seq` removed;
  /// false if it is not among the last kRecentDeletionsKept applied.
  bool recent_deletion(std::uint64_t seq, std::uint64_t* removed) const;

  /// A cell that holds lives(code, incarnation)'s visits in all from now on,
  /// kept so by every fold, snapshot load and clear(); nullptr for
  /// kLatestIncarnation (which life that is moves) or past
  /// kMaxVisitWatches. Its address stays valid as long as this projection.
  /// For readers (under the store's read lock): it adds the watch the first
  /// time, serialised with other readers doing so.
  const visit_cell* watch(std::string_view code, std::uint64_t incarnation) const;
  /// Sets the cells of `code`'s watches from the state again: whatever
  /// changes its lives other than a click's fold (visits deleted, say) must
  /// call it, under the store's write lock.
  void recount_watches(std::string_view code);

 private:
  status apply_orphan(const envelope& env);
  status apply_deletion(const envelope& env);
  // Whether `incarnation` of `code` is its first life, the one its clicks
  // without an incarnation (life 0) belong to.
  bool first_life(std::string_view code, std::uint64_t incarnation) const;
  // The cells of `code`'s watches, and its lives' watch numbers, from the
  // state. With watch_mutex_ held.
  void relink(std::string_view code) const;
  // The same for every watched code, after the state was replaced.
  void relink_all();
  // Adds one visit of `life` of `code` to the cells it counts in.
  void count_watched(std::string_view code, const link_clicks& life);

  std::map<std::int32_t, std::uint64_t> created_;
  // Lives sorted by incarnation; nearly always one.
  code_table<std::vector<link_clicks>> clicks_;
  // Per code ever deleted (only those: most never are): the seq of its
  // first LinkDeleted (see the top), and of its last LinkCreated after that
  // (0: not created again), its latest incarnation. Links-log order alone
  // decides both.
  struct deletion {
    std::uint64_t first_deleted = 0;
    std::uint64_t last_created = 0;
  };
  std::unordered_map<std::string, deletion, string_hash, std::equal_to<>> deleted_;
  visit_counts all_;
  orphan_clicks orphans_;
  // (seq of a VisitsDeleted, visits it removed), ascending, at most
  // kRecentDeletionsKept.
  std::deque<std::pair<std::uint64_t, std::uint64_t>> deletions_;
  // Not state (not saved, not compared): a view of it kept up to date.
  // Readers add watches under the store's read lock, so they serialise here.
  mutable std::mutex watch_mutex_;
  mutable visit_watches watches_;
};

/// visit_filter::regular_404 when the list takes either kind.
inline constexpr int kAnyOrphanKind = -1;

/// Which visits a list wants, newest first.
struct visit_filter {
  std::int64_t since_ms = std::numeric_limits<std::int64_t>::min();  // inclusive
  std::int64_t until_ms = std::numeric_limits<std::int64_t>::max();  // inclusive
  bool exclude_bots = false;
  /// Orphan visits only: kAnyOrphanKind, or only the regular 404s (1) or
  /// only the invalid short urls (0), by the index's kVisitRegular404 bit.
  int regular_404 = kAnyOrphanKind;
  std::uint64_t offset = 0;  // matching visits skipped, newest first
  std::size_t limit = 0;     // at most this many returned
};

/// A page of a visits list: the matching visits in all, and the page's.
struct visit_page {
  std::uint64_t matched = 0;
  std::vector<visit_ref> refs;  // newest first
};

struct daily_count {
  std::string day;  // YYYY-MM-DD
  std::uint64_t count = 0;
};

struct link_stats {
  std::uint64_t total = 0;
  std::uint64_t bots = 0;
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
  /// The stats of `code`'s incarnation `incarnation` (kLatestIncarnation:
  /// its last). At most `max_entries` per map (see link_stats::truncated).
  status stats(std::string_view code, std::uint64_t incarnation, link_stats* out,
               std::size_t max_entries = 1000) const;
  /// The same for its last life.
  status stats(std::string_view code, link_stats* out, std::size_t max_entries = 1000) const {
    return stats(code, kLatestIncarnation, out, max_entries);
  }
  /// Clicks of `code`'s last life in all (0 for none).
  status total_clicks(std::string_view code, std::uint64_t* out) const;
  /// Visits of `code`'s incarnation `incarnation` (stored_link::incarnation()).
  /// Cheap: two lookups under the read lock.
  visit_counts visits_of(std::string_view code, std::uint64_t incarnation) const;
  /// The cell that holds the same total from now on, read without a lock
  /// (analytics_projection::watch): what a max_visits check compares with.
  /// nullptr when there is none (then ask visits_of).
  const visit_cell* watch(std::string_view code, std::uint64_t incarnation) const;
  /// A page of that life's visits (see visit_filter).
  void list_visits(std::string_view code, std::uint64_t incarnation, const visit_filter& filter,
                   visit_page* out) const;
  /// All links' visits and the orphan visits.
  void overview(visit_counts* links, visit_counts* orphans) const;
  /// A page of the orphan visits.
  void list_orphans(const visit_filter& filter, visit_page* out) const;
  /// Whether the VisitsDeleted at clicks-log seq `seq` is applied, and then
  /// how many visits it removed.
  enum class deletion_state {
    pending,  // not applied yet
    applied,  // *removed holds the count
    unknown,  // applied (or parked as a dead letter), count no longer kept
  };
  deletion_state deletion(std::uint64_t seq, std::uint64_t* removed) const;
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
