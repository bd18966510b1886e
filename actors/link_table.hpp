#pragma once
// link_table: the state of one shard of links, and the rules commands are
// checked against. Plain code, no actors: a link actor owns one and calls
// decide() -> (journal) -> apply(), replay calls apply() alone.
//
// Not thread-safe: one owner at a time.

#include "schemas/envelope.hpp"
#include "schemas/link_commands.hpp"
#include "schemas/link_events.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// The shard that owns `code`, out of `shards`. Stable across runs.
std::size_t shard_of(std::string_view code, std::size_t shards);

struct link_record {
  std::string url;
  std::uint32_t version = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  bool deleted = false;
  std::vector<std::uint64_t> seqs;  // every event of this code, in order
};

/// What decide() makes of a command: the event to append, or a refusal.
struct decision {
  bool accepted = false;
  link_event event;       // when accepted
  command_reply refusal;  // when not
};

class link_table {
 public:
  /// Checks a command against the current state. A deleted link's code
  /// stays taken: its history and clicks still name it.
  decision decide(const create_link& cmd) const;
  decision decide(const update_link& cmd) const;
  decision decide(const delete_link& cmd) const;

  /// Applies an event read from (or just appended to) the log. Events that
  /// do not fit the state (an update of an unknown code) are counted and
  /// ignored: the log is the truth, the table only derives from it.
  void apply(const link_event& event, const envelope& env);

  /// Puts a record back as a snapshot held it (replacing any under `code`).
  void restore(std::string code, link_record record);

  /// Any record, live or deleted; nullptr if the code was never used.
  const link_record* find(std::string_view code) const;

  /// The live link, if any.
  bool live(std::string_view code, link_info* out) const;

  /// Live links with code > after, at most `limit`, in code order.
  std::vector<link_info> list(std::string_view after, std::size_t limit) const;

  /// Calls `fn` for every code ever used, live or deleted.
  void for_each(const std::function<void(const std::string&, const link_record&)>& fn) const;

  /// The live form of a record.
  static link_info info(const std::string& code, const link_record& r);

  std::size_t size() const { return links_.size(); }
  std::uint64_t ignored_events() const { return ignored_events_; }

 private:
  std::map<std::string, link_record, std::less<>> links_;
  std::uint64_t ignored_events_ = 0;
};

}  // namespace linkly
