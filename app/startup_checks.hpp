#pragma once
// What `serve` checks of a log before it runs on it: a log that lost
// acknowledged records (app/log_damage.hpp) is refused, with the missing
// seqs and the tool to repair it, instead of serving 404s for links the
// cache still held and handing the lost seqs to new events.

#include "app/log_damage.hpp"

#include <string>
#include <vector>

namespace linkly {

/// Before the log in `dir` is opened (opening makes LevelDB's drops final):
/// false, with the reasons logged, when its .log files hold a damaged record
/// or a tail that `stores` show was acknowledged. A tail cut short that no
/// projection had seen is logged as a warning and passes.
bool log_intact_before_open(const std::string& name, const std::string& dir,
                            const std::vector<named_store>& stores);

/// After it opened at `head`: false, with the missing range logged, when a
/// projection in `stores` holds seqs beyond it. Logs what LevelDB's own
/// recovery reported dropping (its info log in `dir`) as warnings.
bool log_intact_after_open(const std::string& name, const std::string& dir, std::uint64_t head,
                           const std::vector<named_store>& stores);

}  // namespace linkly
