#pragma once
// Lost log records, as the stores on disk show them. Shared by `log check`,
// `log repair` and `serve`'s refusal to start on a damaged log.
//
// Two kinds of evidence: what LevelDB's recovery drops from a log's .log
// files (storage/leveldb_log_scan.hpp: a checksum failure is damage, a tail
// cut short alone is what a crash mid-write leaves), and a projection whose
// checkpoint is beyond the log's head: it applied records the log no longer
// has, which were therefore acknowledged and lost.

#include "app/config.hpp"
#include "storage/leveldb_log_scan.hpp"
#include "storage/status.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace linkly {

class projection_store;

/// A projection holding records of `log` beyond the log's head.
struct projection_lead {
  std::string projection;  // "cache", "analytics"
  std::string log;         // "links", "clicks"
  std::uint64_t head = 0;
  std::uint64_t checkpoint = 0;
};

/// "the links log ends at seq 1059 but the cache holds seq 1064: records
/// 1060-1064 are missing".
std::string describe(const projection_lead& lead);

/// A projection's store, by the projection's name.
using named_store = std::pair<std::string, const projection_store*>;

/// The projections among `stores` that follow `log` and whose checkpoint of
/// it is beyond `head`.
std::vector<projection_lead> projections_ahead(std::string_view log, std::uint64_t head,
                                               const std::vector<named_store>& stores);

/// The head of the log in `dir` once LevelDB's recovery has dropped what it
/// drops, found on a copy (store_copy.hpp): the original is not changed.
/// busy() while a server holds it.
status recovered_head(const std::string& dir, std::uint64_t* head);

/// The projection names that follow `log`, of those linkly has.
std::vector<std::string> projections_following(std::string_view log);

boost::json::object to_json(const dropped_region& region);
boost::json::object to_json(const projection_lead& lead);

/// What `linkly log repair` prints as the next step.
inline constexpr std::string_view kRepairHint =
    "stop any server and run `linkly log repair` to restore what the projections still hold "
    "(or `linkly log repair --truncate` to accept the loss)";

}  // namespace linkly
