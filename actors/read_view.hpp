#pragma once
// read_view: what redirects read. code -> live link, read by HTTP io
// threads without messaging an actor.
//
// It holds no copy of its own: it reads the link tables' records in place
// (link_table::read_live), under the lock of the record's stripe. Link
// actors change their table after an event is durable and before they
// answer the command, so a redirect that follows an acknowledged PUT sees
// the new url. Deleted links are absent.
//
// Thread safety: find/read/size from any thread. attach() only before the
// view is shared. upsert/erase are for a view filled by hand (tests,
// benches): they write the table as its owner would.

#include "actors/link_table.hpp"
#include "schemas/link_commands.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

class read_view {
 public:
  /// A view over one table of its own (fill it with upsert).
  read_view();

  /// Reads `tables` from now on: tables[shard_of(code, tables.size())]
  /// holds `code`. Not while other threads read the view.
  void attach(std::vector<std::shared_ptr<link_table>> tables);

  /// The table of shard `i` (a restarted shard takes over the same one).
  const std::shared_ptr<link_table>& table(std::size_t i) const { return tables_[i]; }

  /// Calls fn(const stored_link&) under the record's read lock if `code` is
  /// live; false if it is not. Copy what you need: the record is not yours.
  template <class Fn>
  bool read(std::string_view code, Fn&& fn) const {
    return table_for(code).read_live(code, std::forward<Fn>(fn));
  }

  /// Copies the link for `code` into `*out`; false if there is none.
  bool find(std::string_view code, link_info* out) const;

  /// Copies only the url; false if there is none.
  bool find_url(std::string_view code, std::string* url) const;

  void upsert(const link_info& link);
  void erase(std::string_view code);

  /// Number of live links.
  std::size_t size() const;

 private:
  const link_table& table_for(std::string_view code) const {
    return *tables_[tables_.size() == 1 ? 0 : shard_of(code, tables_.size())];
  }
  link_table& table_for(std::string_view code) {
    return *tables_[tables_.size() == 1 ? 0 : shard_of(code, tables_.size())];
  }

  std::vector<std::shared_ptr<link_table>> tables_;
};

}  // namespace linkly
