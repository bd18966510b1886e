#pragma once
// Shared by linkly's benchmarks: scratch directories and log filling.

#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "storage/unique_dir.hpp"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace linkly::bench {

/// A fresh directory under `parent` (on the disk being measured, not tmpfs),
/// removed when it goes out of scope.
class scratch_dir {
 public:
  explicit scratch_dir(const std::string& parent) {
    std::filesystem::create_directories(parent);
    path_ = make_unique_dir(parent + "/linkly-bench-");
    if (path_.empty()) throw std::runtime_error("mkdtemp failed in " + parent);
  }
  ~scratch_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::unique_ptr<event_log> open_log(const std::string& dir, bool sync) {
  log_options options;
  options.sync = sync;
  std::unique_ptr<event_log> log;
  if (status st = event_log::open(dir, options, &log); !st)
    throw std::runtime_error(st.to_string());
  return log;
}

/// Appends `count` LinkCreated events (codes "c<i>") in batches of `batch`.
inline void fill_links(event_log& log, std::uint64_t count, std::size_t batch = 1000) {
  std::vector<envelope> envs;
  for (std::uint64_t i = 0; i < count; ++i) {
    std::string code = "c" + std::to_string(i);
    envs.push_back(
        make_envelope(link_created{code, "https://example.com/" + code}, 1'700'000'000'000));
    if (envs.size() == batch || i + 1 == count) {
      append_result r;
      if (status st = log.append(envs, &r); !st) throw std::runtime_error(st.to_string());
      envs.clear();
    }
  }
}

}  // namespace linkly::bench
