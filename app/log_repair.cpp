// `linkly log repair`: after a log lost records (app/log_damage.hpp), puts
// the stores back in step, offline.
//
//   1. Every lost seq, up to the highest a projection applied or the damaged
//      .log names, gets a RecordsLost marker (schemas/log_events.hpp), written
//      in place: the log has no gap and no lost seq goes to a new event.
//   2. Unless --truncate: every link the cache holds in a state the log lost
//      is recreated by new events (LinkCreated, then LinkUpdated up to its
//      version, LinkDeleted if it was deleted), with its url and times.
//   3. Every projection is rebuilt from the log, so `replay --verify` holds.

#include "app/commands.hpp"
#include "app/log_damage.hpp"
#include "app/offline_stores.hpp"

#include "actors/cache_projection.hpp"
#include "actors/link_recovery.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "schemas/clock.hpp"
#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"
#include "storage/log_backfill.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <map>

namespace linkly {

namespace {

// Restored events appended per batch: one WriteBatch each, so a huge
// restore does not build one huge batch in memory.
constexpr std::size_t kRestoreBatchEvents = 1000;

struct store_set {
  std::vector<std::pair<std::string, std::unique_ptr<projection_store>>> stores;
  std::vector<named_store> named() const {
    std::vector<named_store> out;
    for (const auto& [name, store] : stores) out.emplace_back(name, store.get());
    return out;
  }
  projection_store* find(std::string_view name) const {
    for (const auto& [n, store] : stores) {
      if (n == name) return store.get();
    }
    return nullptr;
  }
};

struct seq_range {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
};

log_options repair_log_options() {
  log_options opts;
  opts.create_if_missing = false;
  opts.paranoid_checks = false;  // accept what LevelDB's recovery drops: it is named already
  return opts;
}

// Seqs below `head` the log does not hold. A record that is there but does
// not read is another problem: reported, not repaired.
status find_gaps(const event_log& log, std::vector<seq_range>* gaps) {
  status st =
      log.replay(1, event_log::kNoLimit, event_log::kNoLimit, [](const envelope&) { return true; });
  if (st) return st;
  // The log's reads stop at the first problem: look at each seq.
  envelope env;
  for (std::uint64_t seq = 1; seq <= log.highest_seq(); ++seq) {
    status one = log.get(seq, &env);
    if (one) continue;
    if (one.message().find("is missing below the head") == std::string::npos) return one;
    if (!gaps->empty() && gaps->back().last + 1 == seq) {
      gaps->back().last = seq;
    } else {
      gaps->push_back({seq, seq});
    }
  }
  return status::ok();
}

std::string range_text(const seq_range& r) {
  return r.first == r.last ? std::to_string(r.first)
                           : std::to_string(r.first) + "-" + std::to_string(r.last);
}

boost::json::array ranges_json(const std::vector<seq_range>& ranges) {
  boost::json::array out;
  for (const auto& r : ranges)
    out.push_back(boost::json::object{{"first", r.first}, {"last", r.last}});
  return out;
}

// Step 1 for one log: markers for the gaps and for head+1..lost_to. Reopens
// `*log` afterwards. Fills `*lost` with what was marked.
status mark_lost(const std::string& dir, const std::string& reason, std::uint64_t lost_to,
                 std::unique_ptr<event_log>* log, std::vector<seq_range>* lost) {
  if (status st = find_gaps(**log, lost); !st) return st;
  const std::uint64_t head = (*log)->highest_seq();
  if (lost_to > head) lost->push_back({head + 1, lost_to});
  if (lost->empty()) return status::ok();
  std::vector<envelope> markers;
  const std::int64_t now = now_utc_ms();
  for (const seq_range& r : *lost) {
    for (std::uint64_t seq = r.first; seq <= r.last; ++seq) {
      envelope env = make_records_lost_envelope({r.first, r.last, reason}, now);
      env.seq = seq;
      markers.push_back(std::move(env));
    }
  }
  log->reset();
  if (status st = backfill_log(dir, markers); !st) return st;
  return event_log::open(dir, repair_log_options(), log);
}

// The events that take the log's state of `code` (`in_log`, maybe null) to
// the cache's (`cached`); empty when none can (the log is ahead or apart).
std::vector<link_event> restoring_events(const std::string& code, const link_record* in_log,
                                         const link_record& cached, std::vector<std::int64_t>* at) {
  std::vector<link_event> events;
  std::uint32_t version = 0;
  if (in_log == nullptr) {
    events.push_back(link_created{code, cached.url, cached.attrs});
    at->push_back(cached.created_at_ms);
    version = 1;
  } else {
    if (in_log->deleted) return {};  // deletion is final: the log wins
    version = in_log->version;
  }
  for (; version < cached.version; ++version) {
    events.push_back(link_updated{code, cached.url, cached.attrs});
    at->push_back(cached.updated_at_ms);
  }
  if (in_log != nullptr && events.empty() && in_log->url != cached.url && !cached.deleted) {
    return {};  // same version, other url: not a loss this repair understands
  }
  if (cached.deleted) {
    events.push_back(link_deleted{code});
    at->push_back(cached.updated_at_ms);
  }
  return events;
}

bool touches(const std::vector<std::uint64_t>& seqs, const std::vector<seq_range>& lost) {
  return std::any_of(seqs.begin(), seqs.end(), [&](std::uint64_t seq) {
    return std::any_of(lost.begin(), lost.end(),
                       [seq](const seq_range& r) { return r.first <= seq && seq <= r.last; });
  });
}

// Step 2: appends events recreating every link the cache holds in a state
// that an event among the `lost` seqs made. Counts links and events.
status restore_links(event_log& log, const projection_store& cache,
                     const std::vector<seq_range>& lost, std::uint64_t* links,
                     std::uint64_t* events, std::vector<std::string>* skipped) {
  shard_replay replay;
  if (status st = replay_links(log, 1, kAllShards, &replay); !st) return st;
  const link_table& table = *replay.tables.front();
  std::vector<envelope> batch;
  auto flush = [&]() -> status {
    if (batch.empty()) return status::ok();
    append_result result;
    status st = log.append(batch, &result);
    batch.clear();
    return st;
  };
  shard_replay cached_links;
  if (status st = load_cache_snapshot(cache, 1, &cached_links); !st) return st;
  status bad;
  cached_links.tables.front()->for_each([&](const std::string& code, const link_record& cached) {
    if (!bad || !touches(cached.seqs, lost)) return;  // the log has all it needs
    std::vector<std::int64_t> at;
    std::vector<link_event> restoring = restoring_events(code, table.find(code), cached, &at);
    if (restoring.empty()) {
      skipped->push_back(code);
      return;
    }
    ++*links;
    for (std::size_t i = 0; i < restoring.size(); ++i) {
      batch.push_back(make_envelope(restoring[i], at[i]));
      ++*events;
    }
    if (batch.size() >= kRestoreBatchEvents) bad = flush();
  });
  if (!bad) return bad;
  return flush();
}

// Step 3: clears `store`, applies the logs to it and saves it.
status rebuild(projection_store& store, const event_log& links, const event_log* clicks,
               std::uint64_t* applied) {
  store.clear();
  if (status st =
          replay_projection(store, links, clicks, kToHead, kToHead, kRebuildBatchEvents, applied);
      !st) {
    return st;
  }
  return store.save();
}

// What one log came to: printed as part of the summary.
struct log_report {
  bool present = false;
  std::uint64_t head_before = 0;
  log_files_scan scan;
  std::vector<projection_lead> leads;
  std::vector<seq_range> lost;
  std::vector<std::string> leveldb_notes;  // what LevelDB's recovery logged
  std::uint64_t head = 0;

  boost::json::object json() const {
    boost::json::object out;
    out["present"] = present;
    if (!present) return out;
    out["head_before"] = head_before;
    boost::json::array dropped;
    for (const auto& r : scan.dropped) dropped.push_back(to_json(r));
    out["dropped"] = std::move(dropped);
    boost::json::array missing;
    for (const auto& l : leads) missing.push_back(to_json(l));
    out["projections_ahead"] = std::move(missing);
    out["marked_lost"] = ranges_json(lost);
    out["head"] = head;
    boost::json::array notes;
    for (const auto& n : leveldb_notes) notes.push_back(boost::json::string(n));
    out["leveldb_notes"] = std::move(notes);
    return out;
  }
};

// Steps 1 for the log called `name`: opens it (running LevelDB's recovery),
// names what was lost and marks it.
bool repair_log(const config& cfg, const std::string& name, const store_set& stores,
                std::unique_ptr<event_log>* log, log_report* report) {
  const std::string dir = store_dir(cfg, name);
  const std::string where = "linkly: " + name + " log: ";
  // Before opening: the recovery that opening runs makes the drops final.
  if (status st = scan_log_files(dir, &report->scan); !st) {
    std::cerr << where << st.to_string() << "\n";
    return false;
  }
  if (status st = event_log::open(dir, repair_log_options(), log); !st) {
    print_open_error(name + " log", dir, st);
    return false;
  }
  report->present = true;
  report->leveldb_notes = leveldb_recovery_notes(dir);
  for (const auto& n : report->leveldb_notes) std::cerr << where << "LevelDB: " << n << "\n";
  report->head_before = (*log)->highest_seq();
  report->leads = projections_ahead(name, report->head_before, stores.named());
  for (const auto& r : report->scan.dropped) std::cerr << where << describe(r) << "\n";
  std::uint64_t lost_to = report->head_before;
  std::string reason = "records lost from the " + name + " log";
  for (const auto& lead : report->leads) {
    std::cerr << where << describe(lead) << "\n";
    if (lead.checkpoint > lost_to) {
      lost_to = lead.checkpoint;
      reason = "the " + lead.projection + " held seq " + std::to_string(lead.checkpoint);
    }
  }
  // Seqs the damaged .log names may have been read (e.g. by /events) even
  // where no projection shows them: never given out again either.
  if (report->scan.highest_dropped_seq() > lost_to) {
    lost_to = report->scan.highest_dropped_seq();
    reason = "a damaged .log named seq " + std::to_string(lost_to);
  }
  if (status st = mark_lost(dir, reason, lost_to, log, &report->lost); !st) {
    std::cerr << where << "marking lost records: " << st.to_string() << "\n";
    return false;
  }
  for (const auto& r : report->lost) {
    std::cerr << where << (r.first == r.last ? "seq " : "seqs ") << range_text(r)
              << " marked RecordsLost\n";
  }
  report->head = (*log)->highest_seq();
  return true;
}

}  // namespace

int run_log_repair(const config& cfg, const repair_options& options) {
  // The projection stores first: a running server holds them (busy), and
  // they say how far the logs went.
  store_set stores;
  for (const char* name : {"cache", "analytics"}) {
    std::unique_ptr<projection_store> store;
    switch (open_projection_offline(store_dir(cfg, name), name, false, &store)) {
      case open_outcome::opened:
        stores.stores.emplace_back(name, std::move(store));
        break;
      case open_outcome::absent:
        break;
      case open_outcome::failed:
        return 1;
    }
  }
  if (!store_exists(store_dir(cfg, "links"))) {
    std::cerr << "linkly: no links log in " << cfg.data_dir << "\n";
    return 1;
  }
  log_report links_report;
  std::unique_ptr<event_log> links;
  if (!repair_log(cfg, "links", stores, &links, &links_report)) return 1;
  log_report clicks_report;
  std::unique_ptr<event_log> clicks;
  if (store_exists(store_dir(cfg, "clicks"))) {
    if (!repair_log(cfg, "clicks", stores, &clicks, &clicks_report)) return 1;
  }

  std::uint64_t restored_links = 0;
  std::uint64_t restored_events = 0;
  std::vector<std::string> skipped;
  const bool lost_any = !links_report.lost.empty() || !clicks_report.lost.empty() ||
                        !links_report.leads.empty() || !clicks_report.leads.empty();
  projection_store* cache = stores.find("cache");
  if (!options.truncate && cache != nullptr && !links_report.lost.empty()) {
    if (status st = restore_links(*links, *cache, links_report.lost, &restored_links,
                                  &restored_events, &skipped);
        !st) {
      std::cerr << "linkly: restoring links from the cache: " << st.to_string() << "\n";
      return 1;
    }
    std::cerr << "linkly: links log: " << restored_links << " links restored from the cache by "
              << restored_events << " new events\n";
    for (const auto& code : skipped) {
      std::cerr << "linkly: links log: link \"" << code
                << "\" not restored: the log's state of it does not lead to the cache's\n";
    }
  }
  links_report.head = links->highest_seq();

  boost::json::object rebuilt;
  if (lost_any) {
    for (auto& [name, store] : stores.stores) {
      std::uint64_t applied = 0;
      if (status st = rebuild(*store, *links, clicks.get(), &applied); !st) {
        std::cerr << "linkly: rebuilding the " << name << ": " << st.to_string() << "\n";
        return 1;
      }
      rebuilt[name] = applied;
    }
  }
  boost::json::object out;
  out["links"] = links_report.json();
  out["clicks"] = clicks_report.json();
  out["mode"] = options.truncate ? "truncate" : "restore";
  out["restored_links"] = restored_links;
  out["restored_events"] = restored_events;
  out["rebuilt"] = std::move(rebuilt);
  out["repaired"] = lost_any;
  std::cout << boost::json::serialize(out) << "\n";
  if (!lost_any) std::cerr << "linkly: no lost records: nothing to repair\n";
  return 0;
}

}  // namespace linkly
