#include "app/fd_limit.hpp"

#include <sys/resource.h>

#include <algorithm>

namespace linkly {

fd_limit raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return {};
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
  }
  auto value = [](rlim_t v) {
    return v == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(v);
  };
  return {value(lim.rlim_cur), value(lim.rlim_max)};
}

std::size_t connections_within(const fd_limit& limit, std::size_t wanted) {
  if (limit.soft == 0) return wanted;  // unknown: nothing to fit
  std::uint64_t room = limit.soft > kReservedDescriptors ? limit.soft - kReservedDescriptors : 1;
  return static_cast<std::size_t>(
      std::max<std::uint64_t>(1, std::min<std::uint64_t>(wanted, room)));
}

}  // namespace linkly
