#pragma once
// Opening linkly's stores from an offline tool (`replay`, `log stats`,
// `log check`), with the errors a user can act on. A running server holds
// every store (LevelDB allows one process per directory), so a busy store
// means "stop the server first"; nothing here creates a log.

#include "app/config.hpp"

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace linkly {

class event_log;
class projection;
class projection_store;
class status;

/// Whether `dir` holds a LevelDB store (its CURRENT file is there).
bool store_exists(const std::string& dir);

/// What opening a store came to. `failed` has printed its reason.
enum class open_outcome { opened, absent, failed };

/// Prints "linkly: ..." for a store that did not open: busy (a server holds
/// it) or the status itself.
void print_open_error(std::string_view what, const std::string& dir, const status& st);

/// Opens the log DATA/`name` without creating it (nor its directory).
/// `absent` (nothing printed) when there is no store there.
open_outcome open_log_offline(const config& cfg, std::string_view name,
                              std::unique_ptr<event_log>* out);

/// open_log_offline for a log the command cannot do without: false (with
/// "linkly: no NAME log in DATA" for an absent one, then "; `absent_note`"
/// when there is one) unless it opened.
bool open_required_log(const config& cfg, std::string_view name, std::unique_ptr<event_log>* out,
                       std::string_view absent_note = {});

/// Opens the store of the projection `name` at `dir` and loads its
/// snapshot; creates it only if `create`. `absent` (nothing printed) for a
/// missing store when !create.
open_outcome open_projection_offline(const std::string& dir, std::string_view name, bool create,
                                     std::unique_ptr<projection_store>* out);

/// The projection called `name` ("cache", "analytics"); null for another name.
std::unique_ptr<projection> make_projection(std::string_view name);

}  // namespace linkly
