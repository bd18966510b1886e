// `linkly replay --verify`: each live projection store against a fresh
// rebuild in a temporary directory, entry by entry. The rebuild stops at the
// live store's checkpoints, so a store that lags the log is compared with
// what it should hold at that point, not with the head.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "schemas/clock.hpp"
#include "storage/event_log.hpp"
#include "storage/unique_dir.hpp"

#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

namespace linkly {

namespace {

constexpr std::uint64_t kMaxPrinted = 100;  // differences shown per projection

// A temporary directory, removed with everything in it on destruction.
class scratch_dir {
 public:
  // Under the data directory (same file system, and a data dir is writable),
  // else under the system temp directory.
  static std::optional<scratch_dir> make(const std::string& data_dir) {
    std::error_code ec;
    for (std::string parent : {data_dir, std::filesystem::temp_directory_path(ec).string()}) {
      if (parent.empty()) continue;
      std::string path = make_unique_dir(parent + "/.linkly-verify-");
      if (!path.empty()) return scratch_dir(std::move(path));
    }
    return std::nullopt;
  }
  scratch_dir(scratch_dir&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  scratch_dir(const scratch_dir&) = delete;
  ~scratch_dir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit scratch_dir(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

using entry_list = std::vector<std::pair<std::string, std::string>>;

entry_list entries_of(const projection_store& store) {
  entry_list out;
  store.read([&](const projection& p) {
    p.for_each_entry(
        [&](std::string_view key, std::string_view value) { out.emplace_back(key, value); });
  });
  return out;
}

struct comparison {
  std::uint64_t keys = 0;  // entries of the live store
  std::uint64_t differences = 0;
};

// Prints every differing entry (both lists are in key order).
void compare_state(std::string_view name, const entry_list& live, const entry_list& rebuilt,
                   comparison* out) {
  auto report = [&](const std::string& key, const std::string& live_text,
                    const std::string& rebuilt_text) {
    if (++out->differences > kMaxPrinted) return;
    std::cout << name << ": key \"" << key << "\": live " << live_text << ", rebuilt "
              << rebuilt_text << "\n";
  };
  out->keys = live.size();
  std::size_t a = 0;
  std::size_t b = 0;
  while (a < live.size() || b < rebuilt.size()) {
    if (b == rebuilt.size() || (a < live.size() && live[a].first < rebuilt[b].first)) {
      report(live[a].first, live[a].second, "(absent)");
      ++a;
    } else if (a == live.size() || rebuilt[b].first < live[a].first) {
      report(rebuilt[b].first, "(absent)", rebuilt[b].second);
      ++b;
    } else {
      if (live[a].second != rebuilt[b].second) {
        report(live[a].first, live[a].second, rebuilt[b].second);
      }
      ++a;
      ++b;
    }
  }
}

// 0 identical, 1 different or failed.
int verify_one(const config& cfg, const std::string& name, const event_log& links,
               const event_log* clicks, const std::string& scratch) {
  std::unique_ptr<projection_store> live;
  switch (open_projection_offline(store_dir(cfg, name), name, false, &live)) {
    case open_outcome::opened:
      break;
    case open_outcome::absent:
      std::cerr << "linkly: no " << name << " store in " << cfg.data_dir
                << " to verify (a server builds it; so does `linkly replay --projection " << name
                << "`)\n";
      return 1;
    case open_outcome::failed:
      return 1;
  }
  std::unique_ptr<projection_store> rebuilt;
  if (open_projection_offline(scratch + "/" + name, name, true, &rebuilt) != open_outcome::opened) {
    return 1;
  }
  const std::uint64_t links_to = live->checkpoint(kLinksLog) + 1;
  const std::uint64_t clicks_to = live->checkpoint(kClicksLog) + 1;
  std::uint64_t applied = 0;
  if (status st = replay_projection(*rebuilt, links, clicks, links_to, clicks_to,
                                    kRebuildBatchEvents, &applied);
      !st) {
    std::cerr << "linkly: " << name << ": rebuild failed: " << st.to_string() << "\n";
    return 1;
  }

  comparison result;
  compare_state(name, entries_of(*live), entries_of(*rebuilt), &result);
  std::string checkpoints;
  for (std::string_view log : live->logs()) {
    const std::uint64_t l = live->checkpoint(log);
    const std::uint64_t r = rebuilt->checkpoint(log);
    if (l != r) {
      ++result.differences;
      std::cout << name << ": checkpoint " << log << ": live " << l << ", rebuilt " << r
                << (log == kClicksLog && clicks == nullptr ? " (no clicks log)" : "") << "\n";
    }
    checkpoints += ", " + std::string(log) + " checkpoint " + std::to_string(l);
  }
  if (result.differences == 0) {
    std::cout << name << ": identical (" << result.keys << " keys" << checkpoints << ")\n";
    return 0;
  }
  if (result.differences > kMaxPrinted) {
    std::cout << name << ": ... " << (result.differences - kMaxPrinted) << " more not shown\n";
  }
  std::cout << name << ": " << result.differences << " difference"
            << (result.differences == 1 ? "" : "s") << " (" << result.keys << " live keys"
            << checkpoints << ")\n";
  return 1;
}

}  // namespace

int run_replay_verify(const config& cfg, const replay_options& options) {
  std::unique_ptr<event_log> links;
  if (!open_required_log(cfg, kLinksLog, &links, "nothing to verify")) return 1;
  std::unique_ptr<event_log> clicks;
  if (open_log_offline(cfg, kClicksLog, &clicks) == open_outcome::failed) return 1;

  auto scratch = scratch_dir::make(cfg.data_dir);
  if (!scratch) {
    std::cerr << "linkly: cannot create a temporary directory in " << cfg.data_dir
              << " or the system temp directory\n";
    return 1;
  }
  const std::string which = options.projection.empty() ? "all" : options.projection;
  int rc = 0;
  for (const char* name : {"cache", "analytics"}) {
    if (which != "all" && which != name) continue;
    if (verify_one(cfg, name, *links, clicks.get(), scratch->path()) != 0) {
      rc = 1;
    }
  }
  return rc;
}

}  // namespace linkly
