#include "storage/store_copy.hpp"

#include "storage/unique_dir.hpp"

#include <leveldb/env.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace linkly {

namespace {

namespace fs = std::filesystem;

bool is_table(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".ldb" || ext == ".sst";
}

// Releases a LevelDB file lock when it goes out of scope.
struct held_lock {
  leveldb::Env* env;
  leveldb::FileLock* lock = nullptr;
  ~held_lock() {
    if (lock != nullptr) env->UnlockFile(lock);
  }
};

}  // namespace

store_copy::~store_copy() {
  if (dir_.empty()) return;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

status store_copy::make(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return status::not_found(dir + " is not a directory");
  leveldb::Env* env = leveldb::Env::Default();
  held_lock lock{env};
  const std::string lock_file = dir + "/LOCK";
  if (leveldb::Status s = env->LockFile(lock_file, &lock.lock); !s.ok()) {
    // LevelDB says "lock <file>: ..." when another process holds it. A store
    // on a read-only file system cannot be locked, nor written by anyone.
    if (s.ToString().find("lock " + lock_file) != std::string::npos) {
      return status::busy(dir + " is in use by another process (is a linkly server running?)");
    }
    if (s.ToString().find(std::strerror(EROFS)) == std::string::npos) {
      return status::io_error("locking " + dir + ": " + s.ToString());
    }
  }
  // Beside the original when it can: same file system, so tables can be
  // hard-linked. Else (a read-only one) in the temporary directory, copied.
  std::string beside = fs::path(dir).lexically_normal().string();
  while (beside.size() > 1 && beside.back() == '/') beside.pop_back();
  for (const std::string& prefix :
       {beside + ".copy-", (fs::temp_directory_path(ec) / "linkly-copy-").string()}) {
    dir_ = make_unique_dir(prefix);
    if (!dir_.empty()) break;
  }
  if (dir_.empty()) {
    return status::io_error("creating a copy of " + dir + ": " + std::strerror(errno));
  }
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& from = entry.path();
    const std::string file = from.filename().string();
    if (file == "LOCK" || !entry.is_regular_file()) continue;
    const fs::path to = fs::path(dir_) / file;
    std::error_code link_ec;
    if (is_table(from)) {
      fs::create_hard_link(from, to, link_ec);
      if (!link_ec) continue;
    }
    std::error_code copy_ec;
    fs::copy_file(from, to, copy_ec);
    if (copy_ec) return status::io_error("copying " + from.string() + ": " + copy_ec.message());
  }
  if (ec) return status::io_error("listing " + dir + ": " + ec.message());
  return status::ok();
}

}  // namespace linkly
