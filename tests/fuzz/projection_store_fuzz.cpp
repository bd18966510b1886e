// A projection store whose LevelDB holds whatever the input says
// (store_input.hpp): its checkpoints, the cache projection's link records
// and the analytics projection's counters. Opening it, loading the cache
// snapshot and reading every record and stat give values or corruption,
// never a crash.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_table.hpp"
#include "storage/event_log.hpp"
#include "actors/projection_store.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/store_input.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Cache shards the snapshot is loaded into (as engine_options.link_shards).
constexpr std::size_t kShards = 2;
// Entries per stats map (analytics_reader's limit), small to reach truncation.
constexpr std::size_t kMaxStatsEntries = 4;

// The link code an analytics key is about, "" for the per-day keys.
std::string_view code_of_key(std::string_view key) {
  for (std::string_view prefix : {"tot/", "cday/", "ccty/", "cref/"}) {
    if (key.substr(0, prefix.size()) == prefix) {
      key.remove_prefix(prefix.size());
      return key.substr(0, key.find('/'));
    }
  }
  return {};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto pairs = linkly::fuzz::read_pairs({reinterpret_cast<const char*>(data), size});
  auto env = linkly::fuzz::mem_env();
  if (!linkly::fuzz::put_raw(env.get(), "/store", pairs)) return 0;

  linkly::projection_store_options options;
  options.env = env.get();
  options.create_if_missing = false;
  std::unique_ptr<linkly::projection_store> store;
  if (!linkly::projection_store::open("/store", options, &store)) return 0;
  (void)store->checkpoint(linkly::kLinksLog);
  (void)store->checkpoint(linkly::kClicksLog);

  linkly::shard_replay snapshot;
  (void)linkly::load_cache_snapshot(*store, kShards, &snapshot);

  // The analytics reader asks the logs for their heads only: empty ones.
  linkly::log_options log_options;
  log_options.env = env.get();
  log_options.sync = false;
  std::unique_ptr<linkly::event_log> links, clicks;
  FUZZ_CHECK(linkly::event_log::open("/links", log_options, &links));
  FUZZ_CHECK(linkly::event_log::open("/clicks", log_options, &clicks));
  linkly::analytics_reader analytics(*store, *links, clicks.get());
  std::vector<linkly::daily_count> days;
  (void)analytics.daily(&days);
  (void)analytics.freshness();

  for (const auto& p : pairs) {
    if (p.key.empty() || p.key[0] != 's') continue;
    const std::string_view key = std::string_view(p.key).substr(1);
    linkly::link_record record;
    (void)linkly::read_cached_link(*store, key, &record);
    std::string_view code = code_of_key(key);
    if (code.empty()) continue;
    linkly::link_stats stats;
    if (analytics.stats(code, &stats, kMaxStatsEntries)) {
      FUZZ_CHECK(stats.by_country.size() <= kMaxStatsEntries);
      FUZZ_CHECK(stats.by_referrer.size() <= kMaxStatsEntries);
    }
    std::uint64_t total = 0;
    (void)analytics.total_clicks(code, &total);
  }
  return 0;
}
