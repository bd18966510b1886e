// `linkly log check`: a full integrity check of a log, offline. The log's own
// reads verify each record (checksum, body, seq continuity) and stop at the
// first damaged one; here every payload is decoded as well, as the event
// type the log should hold, and each undecodable one is reported by seq.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"

#include <boost/json.hpp>

#include <iostream>

namespace linkly {

namespace {

constexpr std::uint64_t kMaxReported = 100;  // payload problems printed per log

// Empty if `env` holds a readable event of log `log_name`; else what is wrong.
std::string payload_problem(const std::string& log_name, const envelope& env) {
  const std::string type(to_string(env.type));
  if (log_name == "clicks") {
    click_recorded click;
    if (env.type != event_type::click_recorded) return "a " + type + " event in the clicks log";
    if (!decode_click(env, &click)) return "undecodable ClickRecorded payload";
    if (click.code != env.key)
      return "key \"" + env.key + "\" but the click is of \"" + click.code + "\"";
    return {};
  }
  link_event event;
  if (env.type == event_type::click_recorded) return "a ClickRecorded event in the links log";
  if (!decode_link_event(env, &event)) return "undecodable " + type + " payload";
  if (code_of(event) != env.key) {
    return "key \"" + env.key + "\" but the event is about \"" + code_of(event) + "\"";
  }
  return {};
}

// Checks one log; prints its summary line (JSON) and any problem.
int check_log(const config& cfg, const std::string& log_name, bool required) {
  std::unique_ptr<event_log> log;
  switch (open_log_offline(cfg, log_name, &log)) {
    case open_outcome::opened:
      break;
    case open_outcome::absent:
      if (required) {
        std::cerr << "linkly: no " << log_name << " log in " << cfg.data_dir << "\n";
        return 1;
      }
      std::cout << boost::json::serialize(
                       boost::json::object{{"log", log_name}, {"present", false}, {"ok", true}})
                << "\n";
      return 0;
    case open_outcome::failed:
      // A damaged tail is caught when the log opens.
      return 1;
  }
  std::uint64_t records = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::uint64_t problems = 0;
  status st = log->replay(1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
    if (records++ == 0) first = env.seq;
    last = env.seq;
    if (std::string why = payload_problem(log_name, env); !why.empty()) {
      if (++problems <= kMaxReported) {
        std::cerr << "linkly: " << log_name << " log: seq " << env.seq << ": " << why << "\n";
      }
    }
    return true;
  });
  if (problems > kMaxReported) {
    std::cerr << "linkly: " << log_name << " log: " << (problems - kMaxReported)
              << " more undecodable records not shown\n";
  }
  if (!st) {
    // Names the seq: reads report corruption by sequence number.
    std::cerr << "linkly: " << log_name << " log: " << st.to_string() << " (after " << records
              << " good records)\n";
  }
  const bool ok = st.is_ok() && problems == 0;
  boost::json::object out;
  out["log"] = log_name;
  out["records"] = records;
  out["first_seq"] = records == 0 ? boost::json::value() : boost::json::value(first);
  out["last_seq"] = records == 0 ? boost::json::value() : boost::json::value(last);
  out["head"] = log->highest_seq();
  out["bad_payloads"] = problems;
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
