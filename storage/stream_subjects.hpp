#pragma once
// The subject a links-log event is published to in cluster mode: one per
// code, so that JetStream's per-subject expected last sequence guards each
// link. Codes are [A-Za-z0-9_-], valid subject tokens.

#include <string>
#include <string_view>

namespace linkly {

/// Events of the log itself (no code: RecordsLost) go here; "~" is in no
/// code, so it names no link's subject.
inline constexpr std::string_view kLinksLogSubject = "links.~log";

/// "links.<code>", or kLinksLogSubject for an empty key.
inline std::string links_subject(std::string_view key) {
  if (key.empty()) return std::string(kLinksLogSubject);
  std::string subject = "links.";
  subject.append(key);
  return subject;
}

}  // namespace linkly
