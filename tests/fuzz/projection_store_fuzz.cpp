// A projection store's snapshot file holding whatever the input says
// (snapshot_input.hpp). Reading it (read_snapshot_file), loading its body
// into each projection, opening a store on it (read-only, and as a server
// does, which sets a damaged snapshot aside) and reading every record and
// stat give values or corruption, never a crash.
//
// Beyond that: a snapshot that reads writes back to the same bytes' meaning;
// a body a projection loads saves and loads again to the same entries; a
// read-only open works exactly when the snapshot and its body are whole, and
// a server's open always works, leaving a damaged snapshot beside it.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/link_table.hpp"
#include "actors/projection_store.hpp"
#include "storage/event_log.hpp"
#include "storage/snapshot_file.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/snapshot_input.hpp"

#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

// Cache shards the snapshot is loaded into (as engine_options.link_shards).
constexpr std::size_t kShards = 2;
// Entries per stats map (analytics_reader's limit), small to reach truncation.
constexpr std::size_t kMaxStatsEntries = 4;

using entries = std::vector<std::pair<std::string, std::string>>;

entries entries_of(const linkly::projection& p) {
  entries out;
  p.for_each_entry([&](std::string_view k, std::string_view v) { out.emplace_back(k, v); });
  return out;
}

std::unique_ptr<linkly::projection> make(std::string_view name) {
  if (name == "cache") return std::make_unique<linkly::cache_projection>();
  return std::make_unique<linkly::analytics_projection>();
}

// What load() accepts, save() writes back and load() accepts again, the same.
void check_round_trip(std::string_view name, std::string_view body) {
  auto first = make(name);
  if (!first->load(body)) return;
  std::string saved;
  FUZZ_CHECK(first->save(&saved));
  auto second = make(name);
  FUZZ_CHECK(second->load(saved));
  FUZZ_CHECK(entries_of(*first) == entries_of(*second));
}

// Every read a server makes of an opened store.
void read_everything(leveldb::Env* env, linkly::projection_store& store) {
  (void)store.checkpoint(linkly::kLinksLog);
  (void)store.checkpoint(linkly::kClicksLog);
  std::vector<std::string> keys;
  store.read([&](const linkly::projection& p) {
    p.for_each_entry([&](std::string_view k, std::string_view) { keys.emplace_back(k); });
  });
  if (store.name() == "cache") {
    linkly::shard_replay snapshot;
    (void)linkly::load_cache_snapshot(store, kShards, &snapshot);
    for (const std::string& code : keys) {
      linkly::link_record record;
      FUZZ_CHECK(linkly::read_cached_link(store, code, &record));
    }
    return;
  }
  // The analytics reader asks the logs for their heads only: empty ones.
  linkly::log_options log_options;
  log_options.env = env;
  log_options.sync = false;
  std::unique_ptr<linkly::event_log> links, clicks;
  FUZZ_CHECK(linkly::event_log::open("/links", log_options, &links));
  FUZZ_CHECK(linkly::event_log::open("/clicks", log_options, &clicks));
  linkly::analytics_reader analytics(store, *links, clicks.get());
  std::vector<linkly::daily_count> days;
  (void)analytics.daily(&days);
  (void)analytics.freshness();
  for (std::string_view key : keys) {
    if (key.substr(0, 4) != "tot/") continue;
    const std::string_view code = key.substr(4);
    linkly::link_stats stats;
    FUZZ_CHECK(analytics.stats(code, &stats, kMaxStatsEntries));
    FUZZ_CHECK(stats.by_day.size() <= kMaxStatsEntries);
    FUZZ_CHECK(stats.by_country.size() <= kMaxStatsEntries);
    FUZZ_CHECK(stats.by_referrer.size() <= kMaxStatsEntries);
    std::uint64_t total = 0;
    FUZZ_CHECK(analytics.total_clicks(code, &total));
    FUZZ_CHECK(total == stats.total);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // A damaged snapshot is logged at warn: thousands of lines say nothing here.
  static const bool quiet = (spdlog::set_level(spdlog::level::off), true);
  (void)quiet;
  const std::string file =
      linkly::fuzz::snapshot_file_of({reinterpret_cast<const char*>(data), size});
  auto env = std::unique_ptr<leveldb::Env>(leveldb::NewMemEnv(leveldb::Env::Default()));

  // The file format alone, and each projection's body decoder on the raw
  // bytes too (without the file's framing and checksum in the way).
  FUZZ_CHECK(env->CreateDir("/file").ok());
  FUZZ_CHECK(leveldb::WriteStringToFile(env.get(), file, "/file/snapshot").ok());
  linkly::snapshot snap;
  const bool whole = linkly::read_snapshot_file(env.get(), "/file/snapshot", &snap).is_ok();
  if (whole) {
    FUZZ_CHECK(linkly::write_snapshot_file(env.get(), "/file/again", snap));
    linkly::snapshot again;
    FUZZ_CHECK(linkly::read_snapshot_file(env.get(), "/file/again", &again));
    FUZZ_CHECK(again.body_version == snap.body_version);
    FUZZ_CHECK(again.checkpoints == snap.checkpoints);
    FUZZ_CHECK(again.body == snap.body);
  }
  for (std::string_view name : {"cache", "analytics"}) {
    check_round_trip(name, file);
    if (whole) check_round_trip(name, snap.body);
    const bool loads = whole && snap.body_version == make(name)->snapshot_version() &&
                       make(name)->load(snap.body).is_ok();

    const std::string dir = "/" + std::string(name);
    FUZZ_CHECK(env->CreateDir(dir).ok());
    FUZZ_CHECK(leveldb::WriteStringToFile(env.get(), file, dir + "/snapshot").ok());
    {
      // An offline reader: opens exactly what is whole, changes nothing.
      linkly::projection_store_options options;
      options.env = env.get();
      options.create_if_missing = false;
      std::unique_ptr<linkly::projection_store> store;
      const bool opened = linkly::projection_store::open(dir, options, make(name), &store).is_ok();
      FUZZ_CHECK(opened == loads);
      FUZZ_CHECK(!env->FileExists(dir + "/snapshot.damaged"));
      if (opened) {
        read_everything(env.get(), *store);
        for (const auto& [log, seq] : snap.checkpoints) FUZZ_CHECK(store->checkpoint(log) == seq);
      }
    }
    {
      // A server: always opens; a damaged snapshot is set aside, empty state.
      linkly::projection_store_options options;
      options.env = env.get();
      std::unique_ptr<linkly::projection_store> store;
      FUZZ_CHECK(linkly::projection_store::open(dir, options, make(name), &store));
      FUZZ_CHECK(env->FileExists(dir + "/snapshot"));
      const bool set_aside = env->FileExists(dir + "/snapshot.damaged");
      FUZZ_CHECK(set_aside == !loads);
      if (set_aside) {
        FUZZ_CHECK(store->checkpoint(linkly::kLinksLog) == 0);
        FUZZ_CHECK(store->checkpoint(linkly::kClicksLog) == 0);
        FUZZ_CHECK(store->read([](const linkly::projection& p) { return entries_of(p).empty(); }));
      }
      read_everything(env.get(), *store);
    }
  }
  return 0;
}
