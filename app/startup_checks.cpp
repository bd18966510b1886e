#include "app/startup_checks.hpp"

#include <spdlog/spdlog.h>

namespace linkly {

namespace {

bool refuse(const std::string& name, const std::vector<projection_lead>& leads) {
  for (const auto& lead : leads) spdlog::error("{}", describe(lead));
  spdlog::error("the {} log lost acknowledged records; refusing to start: {}", name, kRepairHint);
  return false;
}

}  // namespace

bool log_intact_before_open(const std::string& name, const std::string& dir,
                            const std::vector<named_store>& stores) {
  log_files_scan scan;
  if (status st = scan_log_files(dir, &scan); !st) {
    spdlog::error("{} log: {}", name, st.to_string());
    return false;
  }
  if (!scan.damaged()) return true;
  std::uint64_t head = 0;
  if (status st = recovered_head(dir, &head); !st) {
    spdlog::error("{} log: inspecting a copy: {}", name, st.to_string());
    return false;
  }
  const auto leads = projections_ahead(name, head, stores);
  const bool lost = scan.corrupt() || !leads.empty();
  for (const auto& r : scan.dropped) {
    if (lost) {
      spdlog::error("{} log: {}", name, describe(r));
    } else {
      spdlog::warn("{} log: {}: a write cut short by a crash, never acknowledged; dropped", name,
                   describe(r));
    }
  }
  if (!lost) return true;
  if (leads.empty()) {
    spdlog::error("the {} log ends at seq {} after the damage above", name, head);
  }
  return refuse(name, leads);
}

bool log_intact_after_open(const std::string& name, const std::string& dir, std::uint64_t head,
                           const std::vector<named_store>& stores) {
  for (const auto& note : leveldb_recovery_notes(dir)) {
    spdlog::warn("{} log: LevelDB's recovery: {}", name, note);
  }
  const auto leads = projections_ahead(name, head, stores);
  if (leads.empty()) return true;
  return refuse(name, leads);
}

}  // namespace linkly
