#pragma once
// What a running projection reports: how far it has read each log and what
// it has done, for /metrics and the admin routes. CAF-free.

#include "actors/projection.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace linkly {

struct projection_status {
  std::string name;                     // "cache", "analytics"
  std::vector<log_position> positions;  // checkpoint and head per log
  std::uint64_t applied = 0;            // events applied since start
  std::uint64_t retries = 0;            // failed applies that were retried
  std::uint64_t parked = 0;             // its dead letters the dead-letter store holds now
  std::uint64_t store_errors = 0;       // failed reads, commits or parks, each retried
  /// Empty while it can read the logs and write its stores; else the last
  /// failure, retried until it works (nothing is parked for it).
  std::string store_error;
};

}  // namespace linkly
