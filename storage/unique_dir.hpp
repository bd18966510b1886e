#pragma once
// make_unique_dir: a new, empty directory with a name no one else holds
// (mkdtemp), for scratch copies, verification runs, tests and benchmarks.
// The one place linkly calls mkdtemp.

#include <string>

namespace linkly {

/// Creates `<prefix>XXXXXX` with the X's replaced (mode 0700) and returns
/// its path; "" with errno set when it cannot. `prefix` includes the parent
/// directory, which must exist: "/tmp/linkly-copy-".
std::string make_unique_dir(const std::string& prefix);

}  // namespace linkly
