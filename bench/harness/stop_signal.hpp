#pragma once
// stop_signal: SIGINT/SIGTERM turn into a flag the harness polls at its
// bounded waits, so Ctrl-C unwinds normally and every server it started is
// stopped by its owner's destructor.

#include <stdexcept>

namespace linkly::bench {

/// Installs the handlers and ignores SIGPIPE (a server closing a socket
/// must surface as an error code, not end the harness).
void install_stop_handlers();
bool stop_requested();

/// Thrown where a wait sees stop_requested().
struct interrupted : std::runtime_error {
  interrupted() : std::runtime_error("interrupted") {}
};

inline void throw_if_stopped() {
  if (stop_requested()) throw interrupted();
}

}  // namespace linkly::bench
