// `linkly log stats`: what a log holds, counted offline: records per event
// type and per UTC day (each event's own timestamp), first and last seq.

#include "app/commands.hpp"
#include "app/offline_stores.hpp"

#include "schemas/clock.hpp"
#include "storage/event_log.hpp"

#include <boost/json.hpp>

#include <iostream>
#include <map>

namespace linkly {

int run_log_stats(const config& cfg, const std::string& log_name) {
  std::unique_ptr<event_log> log;
  if (!open_required_log(cfg, log_name, &log)) return 1;
  std::uint64_t records = 0;
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  std::map<std::string, std::uint64_t> by_type;
  std::map<std::string, std::uint64_t> by_day;
  status st = log->replay(1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
    if (records++ == 0) first = env.seq;
    last = env.seq;
    ++by_type[std::string(to_string(env.type))];
    ++by_day[format_utc_ms(env.timestamp_ms).substr(0, 10)];
    return true;
  });
  if (!st) {
    std::cerr << "linkly: " << log->dir() << ": " << st.to_string() << "\n";
    return 1;
  }
  boost::json::object out;
  out["log"] = log_name;
  out["records"] = records;
  out["first_seq"] = records == 0 ? boost::json::value() : boost::json::value(first);
  out["last_seq"] = records == 0 ? boost::json::value() : boost::json::value(last);
  boost::json::object types;
  for (const auto& [type, n] : by_type) types[type] = n;
  out["by_type"] = std::move(types);
  boost::json::object days;
  for (const auto& [day, n] : by_day) days[day] = n;
  out["by_day"] = std::move(days);
  std::cout << boost::json::serialize(out) << "\n";
  return 0;
}

}  // namespace linkly
