#pragma once
// The process's open-file limit against http.max_connections. Every
// connection holds a descriptor; past the limit accept() fails with EMFILE
// and the listening socket stays readable, so nothing new is served, not
// even /healthz. linkly therefore raises its soft limit as far as it may and
// allows only the connections that fit under it.

#include <cstddef>
#include <cstdint>

namespace linkly {

/// Descriptors kept for everything but connections: the stores' files and
/// logs, the event loops, the scheduler's threads, the spare descriptor of
/// the acceptor and the stream pipes. An idle server uses about 30.
constexpr std::size_t kReservedDescriptors = 128;

struct fd_limit {
  std::uint64_t soft = 0;
  std::uint64_t hard = 0;
};

/// Raises the soft RLIMIT_NOFILE to the hard limit and returns the limit in
/// force afterwards (unchanged if the kernel refuses).
fd_limit raise_fd_limit();

/// The connections allowed under `limit`: `wanted`, or fewer when the
/// descriptors left after kReservedDescriptors do not hold them (never 0).
std::size_t connections_within(const fd_limit& limit, std::size_t wanted);

}  // namespace linkly
