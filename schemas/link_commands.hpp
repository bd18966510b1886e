#pragma once
// Commands to the link actors (imperative: each asks for a change that may be
// refused) and what they answer.

#include "schemas/link_attributes.hpp"
#include "schemas/reply_status.hpp"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace linkly {

/// An empty `code` asks the owning actor to generate one.
struct create_link {
  std::string code;
  std::string url;             // already normalised and validated (link_rules.hpp)
  link_attributes attrs = {};  // already validated (link_attributes.hpp)
};

struct update_link {
  std::string code;
  std::string url;                   // "" = unchanged
  link_attributes_patch patch = {};  // already validated
};

struct delete_link {
  std::string code;
};

/// A live link as clients see it.
struct link_info {
  std::string code;
  std::string url;
  std::uint32_t version = 0;  // 1 on create, +1 per update
  std::int64_t created_at_ms = 0;
  std::int64_t updated_at_ms = 0;
  link_attributes attrs = {};
  std::uint64_t incarnation = 0;  // seq of the LinkCreated this link began with
};

/// The codes a link command answers with: every facade shares them.
using command_errc = reply_code;

struct command_reply : reply_status {
  link_info link;  // the link after the change when ok()

  static command_reply failure(command_errc c, std::string msg) {
    command_reply r;
    r.fail(c, std::move(msg));
    return r;
  }
};

/// One entry of a link's history, oldest first.
struct link_history_entry {
  std::uint64_t seq = 0;
  std::string type;  // "LinkCreated", ...
  std::int64_t timestamp_ms = 0;
  std::string url;  // empty for a deletion
};

}  // namespace linkly
