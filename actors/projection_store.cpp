#include "actors/projection_store.hpp"

#include "actors/exception_text.hpp"
#include "storage/snapshot_file.hpp"

#include <leveldb/env.h>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <system_error>
#include <vector>

namespace linkly {

namespace {

constexpr const char* kSnapshotName = "/snapshot";
constexpr const char* kDamagedName = "/snapshot.damaged";

// Files a LevelDB store of an older linkly left: projections were kept in
// LevelDB before they moved to memory and snapshots. Derived, so removed.
bool is_old_leveldb_file(const std::string& name) {
  return name == "CURRENT" || name == "LOG" || name == "LOG.old" ||
         name.rfind("MANIFEST-", 0) == 0 || name.ends_with(".ldb") || name.ends_with(".log") ||
         name == "HEAL-PROBE";
}

std::size_t remove_old_leveldb_files(const std::string& dir) {
  std::size_t removed = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec) || !is_old_leveldb_file(entry.path().filename().string())) {
      continue;
    }
    if (std::filesystem::remove(entry.path(), ec)) ++removed;
  }
  return removed;
}

// A projection that throws is treated like one that returned an error.
status guarded_apply(projection& proj, std::string_view log, const envelope& env) {
  try {
    return proj.apply(log, env);
  } catch (...) {
    return status::invalid_argument(std::string(proj.name()) + " failed on seq " +
                                    std::to_string(env.seq) + ": " +
                                    describe_exception(std::current_exception()));
  }
}

}  // namespace

status projection_store::open(const std::string& dir, const projection_store_options& options,
                              std::unique_ptr<projection> proj,
                              std::unique_ptr<projection_store>* out) {
  std::unique_ptr<projection_store> store(new projection_store(dir, options, std::move(proj)));
  leveldb::Env* env = options.env != nullptr ? options.env : leveldb::Env::Default();
  if (!env->FileExists(dir + kSnapshotName)) {
    if (!options.create_if_missing)
      return status::invalid_argument("no projection store in " + dir);
    if (options.env == nullptr) {
      std::error_code ec;
      std::filesystem::create_directories(dir, ec);
      if (ec) return status::io_error("creating " + dir + ": " + ec.message());
    } else {
      env->CreateDir(dir);  // a test Env: exists or not, the lock below tells
    }
  }
  if (status st = lock_dir(env, dir, &store->lock_); !st) return st;
  if (status st = store->load(options.create_if_missing); !st) return st;
  *out = std::move(store);
  return status::ok();
}

bool projection_store::exists(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir + kSnapshotName, ec);
}

projection_store::projection_store(std::string dir, const projection_store_options& options,
                                   std::unique_ptr<projection> proj)
    : dir_(std::move(dir)), options_(options), proj_(std::move(proj)) {
  proj_->attach(dir_ + kSnapshotName, options_.env);
}

projection_store::~projection_store() {
  unlock_dir(options_.env, lock_);
}

status projection_store::load(bool create) {
  const std::string path = dir_ + kSnapshotName;
  snapshot snap;
  status st = read_snapshot_file(options_.env, path, &snap);
  if (st) {
    if (snap.body_version != proj_->snapshot_version()) {
      st = status::corruption("snapshot " + path + " has format " +
                              std::to_string(snap.body_version) + ", this linkly writes " +
                              std::to_string(proj_->snapshot_version()));
    } else if (st = proj_->load(snap.body); st) {
      checkpoints_ = std::move(snap.checkpoints);
      return status::ok();
    }
  }
  if (st.is_not_found()) {
    if (!create) return status::invalid_argument("no snapshot in " + dir_);
    if (std::size_t removed = options_.env ? 0 : remove_old_leveldb_files(dir_); removed > 0) {
      spdlog::info(
          "{}: removed {} files of the LevelDB store an older linkly kept here; the {} "
          "projection is rebuilt from the logs",
          dir_, removed, proj_->name());
    }
  } else if (st.is_corruption() && create) {
    // Derived state: nothing is lost by rebuilding it from the logs.
    spdlog::warn("{}: {}; set aside as {} and rebuilt from the logs", dir_, st.to_string(),
                 dir_ + kDamagedName);
    leveldb::Env* env = options_.env ? options_.env : leveldb::Env::Default();
    env->RenameFile(path, dir_ + kDamagedName);
  } else {
    return st;  // an offline reader changes nothing
  }
  proj_->clear();
  checkpoints_.clear();
  // A first snapshot, so that the store exists from now on: the fresh
  // empty state counts as one change, or save() would find nothing to write.
  unsaved_ = 1;
  return save();
}

std::uint64_t projection_store::checkpoint(std::string_view log) const {
  std::shared_lock lock(mutex_);
  auto it = checkpoints_.find(log);
  return it == checkpoints_.end() ? 0 : it->second;
}

status projection_store::apply(std::string_view log, const envelope& env) {
  std::unique_lock lock(mutex_);
  if (status st = guarded_apply(*proj_, log, env); !st) return st;
  auto it = checkpoints_.find(log);
  if (it == checkpoints_.end()) it = checkpoints_.emplace(std::string(log), 0).first;
  it->second = env.seq;
  unsaved_.fetch_add(1, std::memory_order_relaxed);
  return status::ok();
}

status projection_store::apply_parked(std::string_view log, const envelope& env) {
  std::unique_lock lock(mutex_);
  if (status st = guarded_apply(*proj_, log, env); !st) return st;
  unsaved_.fetch_add(1, std::memory_order_relaxed);
  return status::ok();
}

void projection_store::skip(std::string_view log, std::uint64_t seq) {
  std::unique_lock lock(mutex_);
  checkpoints_.insert_or_assign(std::string(log), seq);
  unsaved_.fetch_add(1, std::memory_order_relaxed);
}

void projection_store::clear() {
  std::unique_lock lock(mutex_);
  proj_->clear();
  checkpoints_.clear();
  unsaved_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t projection_store::unsaved() const {
  return unsaved_.load(std::memory_order_relaxed);
}

status projection_store::save() {
  std::lock_guard saving(save_mutex_);
  snapshot snap;
  std::uint64_t saved = 0;
  {
    // Writers wait while the state is encoded; readers do not.
    std::shared_lock lock(mutex_);
    saved = unsaved_.load(std::memory_order_relaxed);
    if (saved == 0) return save_failure_;
    snap.body_version = proj_->snapshot_version();
    snap.checkpoints = checkpoints_;
    if (status st = proj_->save(&snap.body); !st) {
      save_failure_ = st;
      return st;
    }
  }
  save_failure_ = write_snapshot_file(options_.env, dir_ + kSnapshotName, snap);
  if (save_failure_) {
    unsaved_.fetch_sub(saved, std::memory_order_relaxed);
    std::unique_lock lock(mutex_);
    proj_->saved(std::move(snap.body));
  }
  return save_failure_;
}

status projection_store::health() const {
  std::lock_guard saving(save_mutex_);
  return save_failure_;
}

}  // namespace linkly
