#pragma once
// store_copy: a private copy of a LevelDB store, for looking at what opening
// it would do without doing it to the original. Opening a store runs
// LevelDB's recovery, which drops damaged records from its .log files for
// good; `linkly log check` and `serve`'s start-up checks open a copy instead.
//
// The copy is made under the original's LOCK (so no server writes it
// meanwhile): tables (.ldb, .sst), which LevelDB never changes once written,
// are hard-linked when the file system allows, everything else is copied.
// The copy lives beside the original and is removed with this object.

#include "storage/status.hpp"

#include <string>

namespace linkly {

class store_copy {
 public:
  store_copy() = default;
  ~store_copy();
  store_copy(const store_copy&) = delete;
  store_copy& operator=(const store_copy&) = delete;

  /// Copies the store at `dir` into a new directory beside it.
  /// busy() when another process holds the store.
  status make(const std::string& dir);

  /// The copy's directory; empty before make() succeeded.
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

}  // namespace linkly
