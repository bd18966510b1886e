#pragma once
// A LevelDB Env whose background work (memtable flushes, compactions) runs
// on a background thread (thread_priority.hpp): below the io threads, so a
// compaction never delays a redirect. Internal to storage/.

#include <leveldb/env.h>

#include <memory>

namespace linkly {

/// LevelDB's default Env with its background thread lowered. Process-wide and
/// never destroyed, like the default Env itself. open_leveldb() uses it for
/// every store opened without an Env of its own.
leveldb::Env* background_leveldb_env();

/// `target` (not owned, must outlive the result) with every Schedule()d
/// function run on a thread that lowered its priority once, before the first.
std::unique_ptr<leveldb::Env> make_background_env(leveldb::Env* target);

}  // namespace linkly
