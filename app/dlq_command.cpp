// `linkly dlq ...`: the dead-letter store (DATA/dlq) offline, for when no
// server is running. A running server holds the store (LevelDB allows one
// process per directory); its HTTP API (/admin/dlq) does the same jobs then.

#include "app/commands.hpp"

#include "app/cluster_clicks.hpp"
#include "app/offline_stores.hpp"

#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "schemas/orphan_visit.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <vector>

namespace linkly {

namespace {

constexpr std::size_t kPage = 256;

void print_busy(const std::string& dir) {
  std::cerr << "linkly: " << dir
            << " is held by a running linkly server; use its HTTP API instead (GET /admin/dlq, "
               "POST /admin/dlq/redrive, DELETE /admin/dlq/{id}) or stop the server first\n";
}

// print_open_error, but a busy store points to the server's HTTP API.
void print_dlq_open_error(const std::string& what, const std::string& dir, const status& st) {
  if (st.is_busy()) return print_busy(dir);
  print_open_error(what, dir, st);
}

// Opens DATA/dlq without creating it. *out stays null (and the result is 0)
// when there is no store yet, i.e. nothing was ever dead-lettered.
int open_dead_letters(const config& cfg, std::unique_ptr<dead_letter_store>* out) {
  std::string dir = store_dir(cfg, "dlq");
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) return 0;
  dead_letter_options opts;
  opts.create_if_missing = false;
  if (status st = dead_letter_store::open(dir, opts, out); !st) {
    // LevelDB takes the directory's lock before it looks for a store, so a
    // held store is busy here, never mistaken for a missing one.
    if (st.error_code() == status::code::invalid_argument && !store_exists(dir)) return 0;
    print_dlq_open_error("dead-letter store", dir, st);
    return 1;
  }
  return 0;
}

// Every entry, in id order; an error (printed) stops the walk and is
// returned after `fn` has seen the entries before it.
int for_each_dead_letter(const dead_letter_store& store,
                         const std::function<bool(const dead_letter&)>& fn) {
  std::uint64_t after = 0;
  for (;;) {
    std::vector<dead_letter> page;
    status st = store.list(after, kPage, &page);
    for (const dead_letter& entry : page) {
      if (!fn(entry)) return 1;
      after = entry.id;
    }
    if (!st) {
      std::cerr << "linkly: " << store.dir() << ": " << st.to_string() << "\n";
      return 1;
    }
    if (page.size() < kPage) return 0;
  }
}

// The entry's clicks, checked: an intact batch of ClickRecorded envelopes.
status decode_clicks(const dead_letter& entry, std::vector<envelope>* out) {
  if (entry.queue != kClickQueue) {
    return status::invalid_argument("dead letter " + std::to_string(entry.id) +
                                    " is from queue \"" + entry.queue +
                                    "\", not \"clicks\"; this build cannot redrive it");
  }
  std::vector<envelope> batch;
  if (status st = decode_batch(entry.payload, &batch); !st) {
    return status::corruption("dead letter " + std::to_string(entry.id) + ": " + st.message());
  }
  for (envelope& env : batch) {
    click_recorded click;
    orphan_visit visit;
    if (!decode_click(env, &click) && !decode_orphan_visit(env, &visit)) {
      return status::corruption(
          "dead letter " + std::to_string(entry.id) +
          " holds an event that is not a readable ClickRecorded or OrphanVisit");
    }
    env.seq = 0;  // the clicks log assigns new ones
  }
  *out = std::move(batch);
  return status::ok();
}

}  // namespace

int run_dlq_list(const config& cfg) {
  std::unique_ptr<dead_letter_store> store;
  if (int rc = open_dead_letters(cfg, &store); rc != 0) return rc;
  if (!store) return 0;
  int rc = for_each_dead_letter(*store, [](const dead_letter& entry) {
    boost::json::object line;
    line["id"] = entry.id;
    line["queue"] = entry.queue;
    line["error"] = entry.error;
    line["attempts"] = entry.attempts;
    line["failed_at"] = format_utc_ms(entry.failed_at_ms);
    std::vector<envelope> batch;
    if (status st = decode_batch(entry.payload, &batch); st) {
      line["clicks"] = batch.size();
    } else {
      line["clicks"] = nullptr;
      line["payload_error"] = st.to_string();
    }
    std::cout << boost::json::serialize(line) << '\n';
    return static_cast<bool>(std::cout);
  });
  std::cout.flush();
  if (!std::cout) {
    std::cerr << "linkly: cannot write the listing\n";
    return 1;
  }
  return rc;
}

int run_dlq_redrive(const config& cfg, std::uint64_t id) {
  std::unique_ptr<dead_letter_store> store;
  if (int rc = open_dead_letters(cfg, &store); rc != 0) return rc;
  std::string dlq_dir = store_dir(cfg, "dlq");
  if (!store) {
    if (id != 0) {
      std::cerr << "linkly: no dead letter " << id << " (" << dlq_dir << " does not exist)\n";
      return 1;
    }
    std::cout << "redrove 0 dead letters (0 clicks)\n";
    return 0;
  }

  // Gather what to redrive before opening the clicks log, so that a missing
  // id fails without touching anything.
  std::vector<dead_letter> entries;
  int list_rc = 0;
  if (id != 0) {
    dead_letter entry;
    if (status st = store->get(id, &entry); !st) {
      if (st.is_not_found()) {
        std::cerr << "linkly: no dead letter " << id << " in " << dlq_dir << "\n";
      } else {
        std::cerr << "linkly: dead letter " << id << ": " << st.to_string() << "\n";
      }
      return 1;
    }
    entries.push_back(std::move(entry));
  } else {
    list_rc = for_each_dead_letter(*store, [&entries](const dead_letter& entry) {
      entries.push_back(entry);
      return true;
    });
  }

  std::unique_ptr<event_log> clicks;
  // Redriven clicks go where the click path writes (the outbox in cluster
  // mode: they reach every node through the clicks stream).
  std::string clicks_dir = store_dir(cfg, click_path_dir_name(cfg.cluster));
  log_options log_opts = cfg.clicks_log;
  log_opts.create_if_missing = true;
  if (status st = event_log::open(clicks_dir, log_opts, &clicks); !st) {
    print_dlq_open_error("clicks log", clicks_dir, st);
    return 1;
  }

  // Append, then erase: a crash in between leaves the entry to be redriven
  // again (its clicks written twice) rather than lost.
  std::uint64_t redriven = 0;
  std::uint64_t clicks_written = 0;
  int rc = list_rc;
  for (const dead_letter& entry : entries) {
    std::vector<envelope> batch;
    if (status st = decode_clicks(entry, &batch); !st) {
      std::cerr << "linkly: skipped: " << st.to_string() << "\n";
      rc = 1;
      continue;
    }
    std::size_t count = batch.size();
    append_result result;
    if (status st = clicks->append(batch, &result); !st) {
      std::cerr << "linkly: writing dead letter " << entry.id << " to " << clicks_dir << ": "
                << st.to_string() << "\n";
      rc = 1;
      break;  // the log refuses further appends after a failed write
    }
    if (status st = store->erase(entry.id); !st) {
      std::cerr << "linkly: dead letter " << entry.id
                << " was written to the clicks log but not erased (discard it, or it will be "
                   "written again): "
                << st.to_string() << "\n";
      rc = 1;
    }
    ++redriven;
    clicks_written += count;
  }
  std::cout << "redrove " << redriven << " dead letter" << (redriven == 1 ? "" : "s") << " ("
            << clicks_written << " click" << (clicks_written == 1 ? "" : "s") << ")\n";
  return rc;
}

int run_dlq_discard(const config& cfg, std::uint64_t id) {
  std::unique_ptr<dead_letter_store> store;
  if (int rc = open_dead_letters(cfg, &store); rc != 0) return rc;
  std::string dir = store_dir(cfg, "dlq");
  if (!store) {
    std::cerr << "linkly: no dead letter " << id << " (" << dir << " does not exist)\n";
    return 1;
  }
  if (status st = store->erase(id); !st) {
    if (st.is_not_found()) {
      std::cerr << "linkly: no dead letter " << id << " in " << dir << "\n";
    } else {
      std::cerr << "linkly: discarding dead letter " << id << ": " << st.to_string() << "\n";
    }
    return 1;
  }
  std::cout << "discarded dead letter " << id << "\n";
  return 0;
}

}  // namespace linkly
