#include "app/offline_stores.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/projection_store.hpp"
#include "app/commands.hpp"
#include "storage/event_log.hpp"

#include <filesystem>
#include <iostream>

namespace linkly {

bool store_exists(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::exists(dir + "/CURRENT", ec);
}

namespace {

bool dir_exists(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_directory(dir, ec);
}

}  // namespace

void print_open_error(std::string_view what, const std::string& dir, const status& st) {
  if (st.is_busy()) {
    std::cerr << "linkly: " << dir
              << " is held by a running linkly server; stop it first (LevelDB allows one "
                 "process per store)\n";
  } else {
    std::cerr << "linkly: cannot open the " << what << " " << dir << ": " << st.to_string() << "\n";
  }
}

open_outcome open_log_offline(const config& cfg, std::string_view name,
                              std::unique_ptr<event_log>* out) {
  const std::string dir = store_dir(cfg, std::string(name));
  // LevelDB creates the directory before it looks for a store: don't let a
  // tool leave an empty one behind.
  if (!dir_exists(dir)) return open_outcome::absent;
  log_options opts;
  opts.create_if_missing = false;
  if (status st = event_log::open(dir, opts, out); !st) {
    // The lock is taken before the store is looked for, so a held store is
    // busy here, never mistaken for a missing one.
    if (st.error_code() == status::code::invalid_argument && !store_exists(dir)) {
      return open_outcome::absent;
    }
    print_open_error(std::string(name) + " log", dir, st);
    return open_outcome::failed;
  }
  return open_outcome::opened;
}

bool open_required_log(const config& cfg, std::string_view name, std::unique_ptr<event_log>* out,
                       std::string_view absent_note) {
  switch (open_log_offline(cfg, name, out)) {
    case open_outcome::opened:
      return true;
    case open_outcome::absent:
      std::cerr << "linkly: no " << name << " log in " << cfg.data_dir;
      if (!absent_note.empty()) std::cerr << "; " << absent_note;
      std::cerr << "\n";
      return false;
    case open_outcome::failed:
      return false;
  }
  return false;
}

open_outcome open_projection_offline(const std::string& dir, std::string_view name, bool create,
                                     std::unique_ptr<projection_store>* out) {
  if (!create && !projection_store::exists(dir)) return open_outcome::absent;
  projection_store_options opts;
  opts.create_if_missing = create;
  if (status st = projection_store::open(dir, opts, make_projection(name), out); !st) {
    print_open_error("projection store", dir, st);
    return open_outcome::failed;
  }
  return open_outcome::opened;
}

std::unique_ptr<projection> make_projection(std::string_view name) {
  if (name == "cache") return std::make_unique<cache_projection>();
  if (name == "analytics") return std::make_unique<analytics_projection>();
  return nullptr;
}

}  // namespace linkly
