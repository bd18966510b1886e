#include "storage/leveldb_util.hpp"

#include "storage/background_env.hpp"

#include <leveldb/env.h>

namespace linkly {

status from_leveldb(const leveldb::Status& s, const std::string& what) {
  if (s.ok()) return status::ok();
  if (s.IsNotFound()) return status::not_found(what + ": " + s.ToString());
  if (s.IsCorruption()) return status::corruption(what + ": " + s.ToString());
  if (s.IsInvalidArgument()) return status::invalid_argument(what + ": " + s.ToString());
  return status::io_error(what + ": " + s.ToString());
}

status open_leveldb(const std::string& dir, const leveldb::Options& options,
                    std::unique_ptr<leveldb::DB>* out) {
  leveldb::Options opts = options;
  // Compactions below the io threads; an Env of the caller's own (a test's
  // in-memory or failing one) is left as it is.
  if (opts.env == leveldb::Env::Default()) opts.env = background_leveldb_env();
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(opts, dir, &raw);
  if (!s.ok()) {
    // LevelDB reports a held LOCK file as the IO error "lock <dir>/LOCK: ...";
    // name it for what it is. Match all of that: a path that merely contains
    // "lock" ("/srv/blocklist") failing for another reason is not busy.
    if (s.IsIOError() && s.ToString().find("lock " + dir + "/LOCK") != std::string::npos) {
      return status::busy(dir + " is in use by another process (is a linkly server running?)");
    }
    return from_leveldb(s, "opening " + dir);
  }
  out->reset(raw);
  return status::ok();
}

status probe_space(leveldb::Env* env, const std::string& dir, std::size_t bytes) {
  if (bytes == 0) return status::ok();
  if (env == nullptr) env = leveldb::Env::Default();
  // A name LevelDB does not use: it neither reads nor deletes it.
  const std::string path = dir + "/HEAL-PROBE";
  constexpr std::size_t kChunk = 4096;
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewWritableFile(path, &raw);
  if (s.ok()) {
    std::unique_ptr<leveldb::WritableFile> file(raw);
    const std::string chunk(kChunk, '\0');
    for (std::size_t done = 0; s.ok() && done < bytes; done += kChunk) s = file->Append(chunk);
    if (s.ok()) s = file->Sync();
    leveldb::Status closed = file->Close();
    if (s.ok()) s = closed;
  }
  env->RemoveFile(path);  // whatever the probe left; nothing if it made nothing
  return from_leveldb(s, "probing for space in " + dir);
}

}  // namespace linkly
