#pragma once
// How a failed read of a log is told, in logs and in answers alike: which
// log, at which sequence number, and whether it is damage (corruption: a
// bad checksum, a gap, an undecodable record) or the read itself failing.
//
//   the links log is damaged at seq 492: checksum mismatch at seq 492
//   the clicks log could not be read at seq 7: io error: ...

#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace linkly {

/// The message for `st`, a failed read of the log `log_name` ("links",
/// "clicks") whose first unreadable record is `seq`.
inline std::string read_failure_message(std::string_view log_name, std::uint64_t seq,
                                        const status& st) {
  std::string out = "the ";
  out.append(log_name);
  if (st.is_corruption()) {
    out += " log is damaged at seq " + std::to_string(seq) + ": " + st.message();
  } else {
    out += " log could not be read at seq " + std::to_string(seq) + ": " + st.to_string();
  }
  return out;
}

}  // namespace linkly
