// `linkly replay`: rebuilds projections from the logs offline, and shows a
// link as it was at any point of the links log. `--verify` is in
// replay_verify.cpp.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "actors/link_table.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

namespace linkly {

namespace {

std::vector<std::string> projection_names(const std::string& which) {
  if (which == "all") return {"cache", "analytics"};
  return {which};
}

std::string describe_rate(std::uint64_t events, std::chrono::steady_clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  char text[96];
  std::snprintf(text, sizeof text, "in %.3f s, %.0f events/s", seconds,
                seconds > 0 ? static_cast<double>(events) / seconds : 0.0);
  return text;
}

// Clears `store`, then applies the logs from `from` on (each log's checkpoint
// is put just below it, never beyond the log's head, so a server started on
// a partial store still applies every later event).
int rebuild(projection_store& store, const event_log& links, const event_log* clicks,
            std::uint64_t from) {
  const auto start = std::chrono::steady_clock::now();
  store.clear();
  if (from > 1) {
    for (std::string_view name : store.logs()) {
      const event_log* log = name == kLinksLog ? &links : clicks;
      if (log == nullptr) continue;
      const std::uint64_t below = std::min(from - 1, log->highest_seq());
      if (below > 0) store.skip(name, below);
    }
  }
  std::uint64_t applied = 0;
  status st =
      replay_projection(store, links, clicks, kToHead, kToHead, kRebuildBatchEvents, &applied);
  const auto folded = std::chrono::steady_clock::now();
  if (st) st = store.save();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  if (!st) {
    std::cerr << "linkly: " << store.name() << ": rebuild stopped after " << applied
              << " events: " << st.to_string() << "\n";
    return 1;
  }
  std::cout << store.name() << ": rebuilt " << (from > 1 ? "(partial, from seq " : "(full")
            << (from > 1 ? std::to_string(from) : "") << "), " << applied
            << (applied == 1 ? " event" : " events") << " applied "
            << describe_rate(applied, elapsed) << " (folding "
            << describe_rate(applied, folded - start) << ", then the snapshot); checkpoints:";
  for (std::string_view name : store.logs()) {
    const event_log* log = name == kLinksLog ? &links : clicks;
    if (log == nullptr) {
      std::cout << " " << name << " (no log)";
    } else {
      std::cout << " " << name << " " << store.checkpoint(name);
    }
  }
  std::cout << "\n";
  return 0;
}

int run_rebuild(const config& cfg, const replay_options& options) {
  std::unique_ptr<event_log> links;
  if (!open_required_log(cfg, kLinksLog, &links, "nothing to replay")) return 1;
  std::unique_ptr<event_log> clicks;
  if (open_log_offline(cfg, kClicksLog, &clicks) == open_outcome::failed) return 1;

  // Open every store before clearing any: a store held by a server (or
  // otherwise unopenable) leaves all of them untouched.
  const std::vector<std::string> names = projection_names(options.projection);
  std::vector<std::unique_ptr<projection_store>> stores(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (open_projection_offline(store_dir(cfg, names[i]), names[i], true, &stores[i]) !=
        open_outcome::opened) {
      return 1;
    }
  }
  if (!clicks) {
    std::cout << "no clicks log: analytics counts links only\n";
  }
  if (options.from > 1 && std::find(names.begin(), names.end(), "cache") != names.end()) {
    std::cerr << "linkly: warning: link actors start from the cache; a server started on a "
                 "partial cache lacks the links created before seq "
              << options.from << " (replay it fully before serving)\n";
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (int rc = rebuild(*stores[i], *links, clicks.get(), options.from); rc != 0) {
      return rc;
    }
  }
  return 0;
}

// The link `code` right after links-log seq `as_of`: its events up to then,
// applied to a link_table by the same rules the link actors use.
int run_as_of(const config& cfg, const replay_options& options) {
  std::unique_ptr<event_log> links;
  if (!open_required_log(cfg, kLinksLog, &links)) return 1;
  if (options.as_of > links->highest_seq()) {
    std::cerr << "linkly: the links log ends at seq " << links->highest_seq() << " (asked for "
              << "--as-of " << options.as_of << ")\n";
    return 1;
  }
  link_table table;
  status bad;
  status st = links->replay(1, options.as_of + 1, event_log::kNoLimit, [&](const envelope& env) {
    if (env.key != options.code) return true;
    link_event event;
    if (!decode_link_event(env, &event)) {
      bad = status::corruption("undecodable " + std::string(to_string(env.type)) + " at seq " +
                               std::to_string(env.seq));
      return false;
    }
    table.apply(event, env);
    return true;
  });
  if (st) st = bad;
  if (!st) {
    std::cerr << "linkly: " << st.to_string() << "\n";
    return 1;
  }
  const link_record* r = table.find(options.code);
  if (r == nullptr) {
    std::cerr << "linkly: no link \"" << options.code << "\" as of links seq " << options.as_of
              << "\n";
    return 1;
  }
  boost::json::object out;
  out["code"] = options.code;
  out["url"] = r->url;
  out["version"] = r->version;
  out["created_at"] = format_utc_ms(r->created_at_ms);
  out["updated_at"] = format_utc_ms(r->updated_at_ms);
  out["deleted"] = r->deleted;
  out["as_of"] = options.as_of;
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace

int run_replay(const config& cfg, const replay_options& options) {
  if (!options.code.empty()) return run_as_of(cfg, options);
  if (options.verify) return run_replay_verify(cfg, options);
  if (options.projection.empty()) {
    std::cerr << "linkly: replay needs --projection cache|analytics|all (or --verify, or --code "
                 "with --as-of)\n";
    return 2;
  }
  return run_rebuild(cfg, options);
}

}  // namespace linkly
