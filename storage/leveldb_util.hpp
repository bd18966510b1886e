#pragma once
// What storage/'s LevelDB-backed stores share: opening one (a held lock is
// reported as busy) and turning LevelDB's statuses into linkly::status.
// Internal to storage/: public headers keep LevelDB types out.

#include "storage/status.hpp"

#include <leveldb/db.h>

#include <memory>
#include <string>

namespace linkly {

/// `what` says what was being done ("reading /data/links").
status from_leveldb(const leveldb::Status& s, const std::string& what);

/// Opens the LevelDB store in `dir`. busy() when another process holds it.
/// With the default Env, its compactions run on a background thread
/// (background_env.hpp).
status open_leveldb(const std::string& dir, const leveldb::Options& options,
                    std::unique_ptr<leveldb::DB>* out);

/// Writes and fsyncs `bytes` to a probe file in `dir` through `env` (null:
/// the default Env), then removes it: whether a store there has room to be
/// reopened. ok when `bytes` is 0.
status probe_space(leveldb::Env* env, const std::string& dir, std::size_t bytes);

}  // namespace linkly
