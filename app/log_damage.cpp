#include "app/log_damage.hpp"

#include "app/offline_stores.hpp"

#include "actors/projection.hpp"
#include "actors/projection_store.hpp"
#include "storage/event_log.hpp"
#include "storage/store_copy.hpp"

#include <algorithm>

namespace linkly {

std::string describe(const projection_lead& lead) {
  std::string missing = std::to_string(lead.head + 1);
  if (lead.checkpoint > lead.head + 1) missing += "-" + std::to_string(lead.checkpoint);
  return "the " + lead.log + " log ends at seq " + std::to_string(lead.head) + " but the " +
         lead.projection + " holds seq " + std::to_string(lead.checkpoint) + ": " +
         (lead.checkpoint > lead.head + 1 ? "records " : "record ") + missing +
         (lead.checkpoint > lead.head + 1 ? " are" : " is") + " missing";
}

std::vector<std::string> projections_following(std::string_view log) {
  std::vector<std::string> out;
  for (const char* name : {"cache", "analytics"}) {
    auto proj = make_projection(name);
    const auto logs = proj->logs();
    if (std::find(logs.begin(), logs.end(), log) != logs.end()) out.emplace_back(name);
  }
  return out;
}

std::vector<projection_lead> projections_ahead(std::string_view log, std::uint64_t head,
                                               const std::vector<named_store>& stores) {
  std::vector<projection_lead> out;
  const std::vector<std::string> following = projections_following(log);
  for (const auto& [name, store] : stores) {
    if (store == nullptr) continue;
    if (std::find(following.begin(), following.end(), name) == following.end()) continue;
    const std::uint64_t checkpoint = store->checkpoint(log);
    if (checkpoint > head) out.push_back({name, std::string(log), head, checkpoint});
  }
  return out;
}

status recovered_head(const std::string& dir, std::uint64_t* head) {
  store_copy copy;
  if (status st = copy.make(dir); !st) return st;
  log_options opts;
  opts.create_if_missing = false;
  opts.paranoid_checks = false;  // drop what the recovery drops, as a non-paranoid open would
  std::unique_ptr<event_log> log;
  if (status st = event_log::open(copy.dir(), opts, &log); !st) return st;
  *head = log->highest_seq();
  return status::ok();
}

boost::json::object to_json(const dropped_region& r) {
  boost::json::object out;
  out["file"] = r.file;
  out["offset"] = r.offset;
  out["bytes"] = r.bytes;
  out["reason"] = r.reason;
  out["torn_tail"] = r.torn_tail;
  out["first_seq"] = r.first_seq == 0 ? boost::json::value() : boost::json::value(r.first_seq);
  out["last_seq"] = r.last_seq == 0 ? boost::json::value() : boost::json::value(r.last_seq);
  return out;
}

boost::json::object to_json(const projection_lead& lead) {
  boost::json::object out;
  out["projection"] = lead.projection;
  out["checkpoint"] = lead.checkpoint;
  out["first_missing"] = lead.head + 1;
  out["last_missing"] = lead.checkpoint;
  return out;
}

}  // namespace linkly
