#pragma once
// backfill_log: writes records at the seqs they carry into a closed log's
// store, below or above its head, bypassing event_log's append (which only
// ever writes head + 1 on). For `linkly log repair` alone: it fills seqs
// whose records were lost with RecordsLost markers, so the log has no gap
// and no lost seq is given to a new event.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <string>
#include <vector>

namespace linkly {

/// Writes every envelope of `records` (seq set, non-zero) to the log store
/// in `dir`, in one synced batch. The store must exist and not be open.
/// busy() while another process holds it.
status backfill_log(const std::string& dir, const std::vector<envelope>& records);

}  // namespace linkly
