#pragma once
// Shared by linkly's benchmarks: scratch directories, log filling, a
// typical click and the actor system a benchmark runs.

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "storage/unique_dir.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>

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

/// `batch_records`: as linkly opens its clicks log (log_options).
inline std::unique_ptr<event_log> open_log(const std::string& dir, bool sync,
                                           bool batch_records = false) {
  log_options options;
  options.sync = sync;
  options.batch_records = batch_records;
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

/// A click as a browser behind a CDN sends it: every bounded field filled.
inline click_recorded typical_click() {
  click_recorded c;
  c.code = "abc1234";
  c.clicked_at_ms = 1'764'000'000'000;
  c.link_version = 1;
  c.url = "https://example.com/some/landing/page?utm_source=newsletter&utm_medium=email";
  c.country = "DE";
  c.latitude = 52.52;
  c.longitude = 13.405;
  c.referrer = "https://news.example.org/article/12345";
  c.user_agent =
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
      "Safari/537.36";
  c.client_address = "203.0.113.0";
  return c;
}

/// The actor system a benchmark runs: linkly's two scheduler threads, no
/// console log.
inline void configure_actor_system(caf::actor_system_config& config) {
  config.set("scheduler.max-threads", 2);
  config.set("scheduler.policy", caf::atom("sharing"));
  config.set("logger.console-verbosity", caf::atom("quiet"));
}

}  // namespace linkly::bench
