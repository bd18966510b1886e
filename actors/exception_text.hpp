#pragma once
// describe_exception: what an escaped exception was, for log lines. CAF-free,
// so plain code (projection steps) and actors share it.

#include <exception>
#include <string>

namespace linkly {

/// What an exception that escaped a handler was, for the log line an actor
/// writes before it stops (and its supervisor restarts it).
inline std::string describe_exception(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

}  // namespace linkly
