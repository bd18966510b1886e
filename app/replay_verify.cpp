// `linkly replay --verify`: each live projection store against a fresh
// rebuild in a temporary directory, key by key. The rebuild stops at the
// live store's checkpoints, so a store that lags the log is compared with
// what it should hold at that point, not with the head.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "actors/cache_projection.hpp"
#include "actors/projection_replay.hpp"
#include "schemas/clock.hpp"
#include "storage/event_log.hpp"
#include "storage/projection_store.hpp"
#include "storage/unique_dir.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <iostream>
#include <optional>
#include <vector>

namespace linkly {

namespace {

constexpr std::size_t kPageKeys = 512;
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

// Reads a store's state keys in order, a page at a time.
class key_cursor {
 public:
  explicit key_cursor(const projection_store& store) : store_(store) {}

  // The current entry, or nullptr at the end (or after a read error).
  const std::pair<std::string, std::string>* peek() {
    if (pos_ == page_.size() && !done_) fill();
    return pos_ < page_.size() ? &page_[pos_] : nullptr;
  }
  void next() { ++pos_; }
  const status& error() const { return error_; }

 private:
  void fill() {
    std::string after = page_.empty() ? std::string() : page_.back().first;
    page_.clear();
    pos_ = 0;
    error_ = store_.scan("", after, [this](std::string_view k, std::string_view v) {
      page_.emplace_back(std::string(k), std::string(v));
      return page_.size() < kPageKeys;
    });
    if (!error_ || page_.size() < kPageKeys) done_ = true;
  }

  const projection_store& store_;
  std::vector<std::pair<std::string, std::string>> page_;
  std::size_t pos_ = 0;
  bool done_ = false;
  status error_;
};

std::string hex(std::string_view bytes) {
  static const char digits[] = "0123456789abcdef";
  std::string out = "0x";
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 15]);
  }
  return out;
}

// A value as a person reads it: the cache's link record as JSON, a counter
// as a number, anything else in hex.
std::string readable(const projection& proj, const projection_store& store, const std::string& key,
                     const std::string& value) {
  if (proj.name() == "cache") {
    link_record r;
    if (!read_cached_link(store, key, &r)) return hex(value);
    boost::json::object o;
    o["url"] = r.url;
    o["version"] = r.version;
    o["created_at"] = format_utc_ms(r.created_at_ms);
    o["updated_at"] = format_utc_ms(r.updated_at_ms);
    o["deleted"] = r.deleted;
    boost::json::array seqs;
    for (std::uint64_t s : r.seqs) seqs.push_back(s);
    o["seqs"] = std::move(seqs);
    return boost::json::serialize(o);
  }
  std::uint64_t n = 0;
  if (decode_counter(value, &n)) return std::to_string(n);
  return hex(value);
}

struct comparison {
  std::uint64_t keys = 0;  // keys in the live store
  std::uint64_t differences = 0;
};

// Prints every differing key; a read error is returned.
status compare_state(const projection& proj, const projection_store& live,
                     const projection_store& rebuilt, comparison* out) {
  key_cursor a(live);
  key_cursor b(rebuilt);
  auto report = [&](const std::string& key, const std::string& live_text,
                    const std::string& rebuilt_text) {
    if (++out->differences > kMaxPrinted) return;
    std::cout << proj.name() << ": key \"" << key << "\": live " << live_text << ", rebuilt "
              << rebuilt_text << "\n";
  };
  for (;;) {
    const auto* x = a.peek();
    const auto* y = b.peek();
    if (x == nullptr && y == nullptr) break;
    if (y == nullptr || (x != nullptr && x->first < y->first)) {
      report(x->first, readable(proj, live, x->first, x->second), "(absent)");
      ++out->keys;
      a.next();
    } else if (x == nullptr || y->first < x->first) {
      report(y->first, "(absent)", readable(proj, rebuilt, y->first, y->second));
      b.next();
    } else {
      if (x->second != y->second) {
        report(x->first, readable(proj, live, x->first, x->second),
               readable(proj, rebuilt, y->first, y->second));
      }
      ++out->keys;
      a.next();
      b.next();
    }
  }
  if (!a.error()) return a.error();
  return b.error();
}

// 0 identical, 1 different or failed.
int verify_one(const config& cfg, const projection& proj, const event_log& links,
               const event_log* clicks, const std::string& scratch) {
  const std::string name(proj.name());
  std::unique_ptr<projection_store> live;
  switch (open_projection_offline(store_dir(cfg, name), false, &live)) {
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
  if (open_projection_offline(scratch + "/" + name, true, &rebuilt) != open_outcome::opened) {
    return 1;
  }
  const std::uint64_t links_to = live->checkpoint(kLinksLog) + 1;
  const std::uint64_t clicks_to = live->checkpoint(kClicksLog) + 1;
  std::uint64_t applied = 0;
  if (status st = replay_projection(proj, *rebuilt, links, clicks, links_to, clicks_to,
                                    kRebuildBatchEvents, &applied);
      !st) {
    std::cerr << "linkly: " << name << ": rebuild failed: " << st.to_string() << "\n";
    return 1;
  }

  comparison result;
  if (status st = compare_state(proj, *live, *rebuilt, &result); !st) {
    std::cerr << "linkly: " << name << ": " << st.to_string() << "\n";
    return 1;
  }
  std::string checkpoints;
  for (std::string_view log : proj.logs()) {
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
    if (verify_one(cfg, *make_projection(name), *links, clicks.get(), scratch->path()) != 0) {
      rc = 1;
    }
  }
  return rc;
}

}  // namespace linkly
