#include "storage/store_copy.hpp"

#include <leveldb/env.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

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
  if (leveldb::Status s = env->LockFile(dir + "/LOCK", &lock.lock); !s.ok()) {
    if (s.IsIOError()) {
      return status::busy(dir + " is in use by another process (is a linkly server running?)");
    }
    return status::io_error("locking " + dir + ": " + s.ToString());
  }
  // Beside the original: same file system, so tables can be hard-linked.
  std::string pattern = fs::path(dir).lexically_normal().string();
  while (pattern.size() > 1 && pattern.back() == '/') pattern.pop_back();
  pattern += ".copy-XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (mkdtemp(name.data()) == nullptr) {
    return status::io_error("creating a copy of " + dir + ": " + std::strerror(errno));
  }
  dir_ = name.data();
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
