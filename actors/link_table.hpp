#pragma once
// link_table: the state of one shard of links, and the rules commands are
// checked against. Plain code, no actors: a link actor owns one and calls
// decide() -> (journal) -> apply(), replay calls apply() alone.
//
// Each link is one stored_link (code, url, times, seqs in one allocation)
// in a striped open-addressing map. The read view reads those records in
// place (read_live), so a link is held once for both.
//
// Thread safety: one owner calls everything but read_live() (it alone
// writes, so its own reads take no lock; its writes lock the stripe they
// change). read_live() may be called from any thread at any time.

#include "actors/link_map.hpp"
#include "actors/link_order.hpp"
#include "actors/stored_link.hpp"
#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"
#include "schemas/link_events.hpp"

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// The shard that owns `code`, out of `shards`. Stable across runs.
std::size_t shard_of(std::string_view code, std::size_t shards);

/// A link's record as a value: what snapshots hold and restore() takes.
struct link_record {
  std::string url;
  std::uint32_t version = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool deleted = false;
  std::vector<std::uint64_t> seqs;  // every event of this code, in order
  link_attributes attrs = {};
  // Seqs of the LinkCreated events that began a later life of the code
  // (after a deletion), ascending; empty for a code created once.
  std::vector<std::uint64_t> recreated_at = {};

  /// The seq of the LinkCreated the current life began with.
  std::uint64_t incarnation() const {
    if (!recreated_at.empty()) return recreated_at.back();
    return seqs.empty() ? 0 : seqs.front();
  }
};

/// What decide() makes of a command: the event to append, or a refusal.
struct decision {
  bool accepted = false;
  link_event event;       // when accepted
  command_reply refusal;  // when not
};

class link_table {
 public:
  link_table() = default;
  link_table(const link_table&) = delete;
  link_table& operator=(const link_table&) = delete;

  /// Checks a command against the current state. A deleted link's code
  /// may be created again (a new life, whose clicks start from zero); a
  /// generated code never takes one (code_generator asks lookup()). An
  /// update's event carries the link's whole state after it.
  decision decide(const create_link& cmd) const;
  decision decide(const update_link& cmd) const;
  decision decide(const delete_link& cmd) const;

  /// Applies an event read from (or just appended to) the log. Events that
  /// do not fit the state (an update of an unknown code) are counted and
  /// ignored: the log is the truth, the table only derives from it.
  void apply(const link_event& event, const envelope& env);

  /// Puts a record back as a snapshot held it (replacing any under `code`).
  void restore(std::string code, link_record record);

  /// Puts a live link as it is, with no seqs (a read view filled by hand).
  void put(const link_info& link);

  /// Forgets `code` altogether (a read view filled by hand).
  void remove(std::string_view code);

  /// The record of `code`, live or deleted; nullptr if the code was never
  /// used. Owner only; valid until the next change to the table.
  const stored_link* lookup(std::string_view code) const;

  /// Any record, live or deleted, as a value; nullptr if the code was never
  /// used. Owner only. The value follows later changes to that code until
  /// the next find() on this table (as a pointer into a map of records
  /// would); lookup() is the cheaper way to look.
  const link_record* find(std::string_view code) const;

  /// The live link, if any.
  bool live(std::string_view code, link_info* out) const;

  /// Live links with code > after, at most `limit`, in code order; only
  /// those having every tag of `tags` when it is not empty (a scan of the
  /// shard's codes after `after` until the page is full).
  std::vector<link_info> list(std::string_view after, std::size_t limit,
                              const std::vector<std::string>& tags = {}) const;

  /// Calls `fn` for every code ever used, live or deleted, in code order.
  void for_each(const std::function<void(const std::string&, const link_record&)>& fn) const;

  /// The same over the stored records, without making values of them.
  void for_each_link(const std::function<void(const stored_link&)>& fn) const;

  /// Any thread: calls fn(const stored_link&) under the stripe's read lock
  /// if `code` is live, and says whether it was. `fn` must not keep the
  /// reference, nor call into the table.
  template <class Fn>
  bool read_live(std::string_view code, Fn&& fn) const {
    const std::uint64_t h = link_hash(code);
    const stripe& s = stripe_for(h);
    std::shared_lock lock(s.mutex);
    const stored_link* l = s.links.find(code, h);
    if (l == nullptr || l->deleted) return false;
    fn(*l);
    return true;
  }

  /// Takes over `fresh`'s records (a shard rebuilt from the log), stripe by
  /// stripe, so readers see each link either as it was or as it is now.
  /// `fresh` is left empty.
  void take(link_table& fresh);

  /// Drops the growth slack start-up's inserts left (call once loaded).
  void compact();

  /// The live form of a record.
  static link_info info(const std::string& code, const link_record& r);
  static link_info info(const stored_link& l);
  static link_record record_of(const stored_link& l);

  std::size_t size() const { return size_; }
  /// Live links; any thread.
  std::size_t live_size() const { return live_.load(std::memory_order_relaxed); }
  std::uint64_t ignored_events() const { return ignored_events_; }

 private:
  // Readers of different codes rarely share a stripe; a writer (rare)
  // blocks only the readers of its stripe. Times the link shards.
  static constexpr std::size_t kStripes = 16;

  struct stripe {
    mutable std::shared_mutex mutex;
    link_map links;
  };

  const stripe& stripe_for(std::uint64_t hash) const { return stripes_[hash % kStripes]; }
  stripe& stripe_for(std::uint64_t hash) { return stripes_[hash % kStripes]; }

  // Adds a new record (its code absent) under the stripe's lock.
  void insert(stored_link* link, std::uint64_t hash);
  // Sets the url of `link` (owned here) and points the map at the result.
  // The caller holds the stripe's lock, then calls retire().
  stored_link* set_url(stored_link* link, std::string_view url, std::uint64_t hash);
  // The same, with the extras replaced.
  stored_link* set(stored_link* link, std::string_view url, std::unique_ptr<link_extras> extras,
                   std::uint64_t hash);
  // After set_url moved `from` to `to`: fixes the code order, frees `from`
  // (no reader can reach it any more).
  void retire(stored_link* from, const stored_link* to);
  void count_live(bool was, bool is);
  void clear();
  // Keeps find()'s answer in step with its code's record.
  void refresh_found(std::string_view code);

  std::array<stripe, kStripes> stripes_;
  mutable link_order order_;  // the owner's alone: no reader touches it
  std::size_t size_ = 0;
  std::atomic<std::size_t> live_{0};
  std::uint64_t ignored_events_ = 0;
  mutable link_record found_;       // find()'s answer
  mutable std::string found_code_;  // ... and its code
};

}  // namespace linkly
