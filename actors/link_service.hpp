#pragma once
// link_service: how code outside the actor system (HTTP io threads, tools,
// tests) talks to the link actors, without including CAF.
//
// Every call returns at once; its callback runs exactly once, later, on an
// actor-system thread. A callback must not block: post its work to your own
// executor. If the owning actor dies before answering (a crash, a shutdown),
// the callback still runs, with reply_code::unavailable.

#include "schemas/link_commands.hpp"
#include "schemas/reply_status.hpp"

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace linkly {

class directory;
class latency_histogram;
class read_view;

using command_callback = std::function<void(command_reply)>;

// Every reply is a reply_status (reply_status.hpp) plus what was asked for;
// what a failure leaves filled in is said beside each.

struct link_page : reply_status {
  std::vector<link_info> links;  // in code order
  std::string next;              // cursor for the next page; empty at the end
};
using page_callback = std::function<void(link_page)>;

/// not_found: the code was never used; unavailable: the log could not be
/// read (or the shard is restarting).
struct history_reply : reply_status {
  std::vector<link_history_entry> entries;
  std::uint64_t next = 0;  // cursor (a seq) of the next page; 0 at the end
};
using history_callback = std::function<void(history_reply)>;

/// unavailable: the log could not be read.
struct as_of_reply : reply_status {
  bool live = false;  // the link existed right after the point asked for
  link_info link;     // when live
};
using as_of_callback = std::function<void(as_of_reply)>;

/// A row an import did not create, by its position in the rows given.
struct import_refusal {
  std::size_t index = 0;
  command_errc code = command_errc::invalid;  // conflict, invalid
  std::string error;
};

/// unavailable: some rows were neither imported nor refused, because the
/// log could not be written or a shard was restarting (`error` says which).
/// `imported` still counts the rows that are durable.
struct import_reply : reply_status {
  std::size_t imported = 0;
  std::vector<import_refusal> refused;  // in index order
};
using import_callback = std::function<void(import_reply)>;

class link_service {
 public:
  link_service(directory& dir, const read_view& view,
               const latency_histogram* journal_writes = nullptr);

  void create(create_link cmd, command_callback done);
  void update(update_link cmd, command_callback done);
  void remove(delete_link cmd, command_callback done);

  /// Creates every row it can, as create() would, in one append per shard:
  /// a taken code (also one taken earlier in `rows`) is refused as a
  /// conflict, an empty code is generated. Rows must be normalised and
  /// validated already (link_rules.hpp).
  void import_links(std::vector<create_link> rows, import_callback done);

  /// Links with code > `after`, at most `limit` (at least 1), in code order.
  void list(std::string after, std::size_t limit, page_callback done);
  /// The same, only links that have every tag of `tags` (none: every link).
  void list(std::string after, std::size_t limit, std::vector<std::string> tags,
            page_callback done);

  /// The events of `code` with seq > `after`, at most `limit`, oldest
  /// first (deleted links included); `next` says where the following page
  /// starts. Limit 0 reads nothing: only `found` (the code was ever used).
  /// Events are read by a log reader beside the journal, never through it.
  void history(std::string code, std::uint64_t after, std::size_t limit, history_callback done);

  /// The link `code` as it was right after links-log seq `as_of`. Reads at
  /// most two events, however long the link's history.
  void link_as_of(std::string code, std::uint64_t as_of, as_of_callback done);

  const read_view& view() const { return view_; }

  /// Durations of the journal's group-committed writes, if measured.
  const latency_histogram* journal_writes() const { return journal_writes_; }

 private:
  directory& dir_;
  const read_view& view_;
  const latency_histogram* journal_writes_;
  std::atomic<std::size_t> next_shard_{0};  // where generated codes are made
};

}  // namespace linkly
