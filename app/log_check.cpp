// `linkly log check`: a full integrity check of a log, offline, that changes
// nothing. What LevelDB's recovery would drop from the .log files is named
// by seq (app/log_damage.hpp), and so is a projection ahead of the log. The
// log's own reads verify each record (checksum, body, seq continuity) and
// stop at the first damaged one; here every payload is decoded as well, as
// the event type the log should hold, and each undecodable one is reported
// by seq.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "actors/projection_store.hpp"
#include "app/log_damage.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/log_events.hpp"
#include "schemas/orphan_visit.hpp"
#include "schemas/visits_deleted.hpp"
#include "storage/event_log.hpp"
#include "storage/store_copy.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <iostream>

namespace linkly {

namespace {

constexpr std::uint64_t kMaxReported = 100;  // payload problems printed per log

// Empty if `env` holds a readable event of log `log_name`; else what is wrong.
std::string payload_problem(const std::string& log_name, const envelope& env) {
  const std::string type(to_string(env.type));
  if (is_records_lost(env)) {
    records_lost marker;
    if (!decode_records_lost(env, &marker)) return "undecodable RecordsLost payload";
    return {};
  }
  if (log_name == "clicks") {
    if (env.type == event_type::orphan_visit) {
      orphan_visit visit;
      return decode_orphan_visit(env, &visit) ? std::string() : "undecodable OrphanVisit payload";
    }
    if (env.type == event_type::visits_deleted) {
      visits_deleted deletion;
      return decode_visits_deleted(env, &deletion) ? std::string()
                                                   : "undecodable VisitsDeleted payload";
    }
    click_recorded click;
    if (env.type != event_type::click_recorded) return "a " + type + " event in the clicks log";
    if (!decode_click(env, &click)) return "undecodable ClickRecorded payload";
    if (click.code != env.key)
      return "key \"" + env.key + "\" but the click is of \"" + click.code + "\"";
    return {};
  }
  link_event event;
  if (is_clicks_log_event(env.type)) {
    return "a " + type + " event in the links log";
  }
  if (!decode_link_event(env, &event)) return "undecodable " + type + " payload";
  if (code_of(event) != env.key) {
    return "key \"" + env.key + "\" but the event is about \"" + code_of(event) + "\"";
  }
  return {};
}

// The checkpoints of the projections following `log_name` beyond `head`,
// read from their snapshots (opening one only reads it). An absent store
// holds nothing.
bool find_leads(const config& cfg, const std::string& log_name, std::uint64_t head,
                std::vector<projection_lead>* leads) {
  for (const std::string& name : projections_following(log_name)) {
    std::unique_ptr<projection_store> store;
    switch (open_projection_offline(store_dir(cfg, name), name, false, &store)) {
      case open_outcome::opened:
        break;
      case open_outcome::absent:
        continue;
      case open_outcome::failed:
        return false;
    }
    for (auto& lead : projections_ahead(log_name, head, {{name, store.get()}})) {
      leads->push_back(std::move(lead));
    }
  }
  return true;
}

// Checks one log; prints its summary line (JSON) and any problem. The
// store's .log files are read as they are, then a copy of the store is
// opened: LevelDB's recovery changes the copy, never the original.
int check_log(const config& cfg, const std::string& log_name, bool required) {
  const std::string dir = store_dir(cfg, log_name);
  std::error_code ec;
  if (!std::filesystem::exists(dir + "/CURRENT", ec)) {
    if (required) {
      std::cerr << "linkly: no " << log_name << " log in " << cfg.data_dir << "\n";
      return 1;
    }
    std::cout << boost::json::serialize(
                     boost::json::object{{"log", log_name}, {"present", false}, {"ok", true}})
              << "\n";
    return 0;
  }
  const std::string where = "linkly: " + log_name + " log: ";
  store_copy copy;
  if (status st = copy.make(dir); !st) {
    print_open_error(log_name + " log", dir, st);
    return 1;
  }
  // Scanned after the copy took the lock: no server is writing them.
  log_files_scan scan;
  if (status st = scan_log_files(dir, &scan); !st) {
    std::cerr << where << st.to_string() << "\n";
    return 1;
  }
  std::unique_ptr<event_log> log;
  log_options opts;
  opts.create_if_missing = false;
  opts.paranoid_checks = false;  // see what a recovery keeps; the scan says what it drops
  if (status st = event_log::open(copy.dir(), opts, &log); !st) {
    std::cerr << where << st.to_string() << "\n";
    return 1;
  }
  for (const auto& note : leveldb_recovery_notes(copy.dir())) {
    std::cerr << where << "LevelDB's recovery: " << note << "\n";
  }
  std::vector<projection_lead> leads;
  if (!find_leads(cfg, log_name, log->highest_seq(), &leads)) return 1;
  // A tail cut short is what a crash mid-write leaves: damage only when a
  // projection proves its records were acknowledged.
  for (const dropped_region& r : scan.dropped) {
    const bool damage = !r.torn_tail || !leads.empty();
    std::cerr << where << (damage ? "" : "note: ") << describe(r)
              << (damage ? "" : "; not acknowledged as far as the projections show") << "\n";
  }
  for (const projection_lead& lead : leads) {
    std::cerr << where << describe(lead) << "\n";
  }
  if (scan.corrupt() || !leads.empty()) std::cerr << "linkly: " << kRepairHint << "\n";

  std::uint64_t records = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t problems = 0;
  status st = log->replay(1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
    if (records++ == 0) first = env.seq;
    last = env.seq;
    if (std::string why = payload_problem(log_name, env); !why.empty()) {
      if (++problems <= kMaxReported) {
        std::cerr << where << "seq " << env.seq << ": " << why << "\n";
      }
    }
    return true;
  });
  if (problems > kMaxReported) {
    std::cerr << where << (problems - kMaxReported) << " more undecodable records not shown\n";
  }
  if (!st) {
    // Names the seq: reads report corruption by sequence number.
    std::cerr << where << st.to_string() << " (after " << records << " good records)\n";
  }
  const bool ok = st.is_ok() && problems == 0 && !scan.corrupt() && leads.empty();
  boost::json::object out;
  out["log"] = log_name;
  out["records"] = records;
  out["first_seq"] = records == 0 ? boost::json::value() : boost::json::value(first);
  out["last_seq"] = records == 0 ? boost::json::value() : boost::json::value(last);
  out["head"] = log->highest_seq();
  out["bad_payloads"] = problems;
  boost::json::array dropped;
  for (const dropped_region& r : scan.dropped) dropped.push_back(to_json(r));
  out["dropped"] = std::move(dropped);
  boost::json::array missing;
  for (const projection_lead& lead : leads) missing.push_back(to_json(lead));
  out["missing"] = std::move(missing);
  out["ok"] = ok;
  if (!st) out["error"] = st.to_string();
  std::cout << boost::json::serialize(out) << "\n";
  return ok ? 0 : 1;
}

}  // namespace

int run_log_check(const config& cfg, const std::string& which) {
  if (which != "all") return check_log(cfg, which, true);
  // The clicks log is absent when clicks were never recorded: not a fault.
  const int links_rc = check_log(cfg, "links", true);
  const int clicks_rc = check_log(cfg, "clicks", false);
  return links_rc != 0 || clicks_rc != 0 ? 1 : 0;
}

}  // namespace linkly
