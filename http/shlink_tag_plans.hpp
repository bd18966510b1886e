#pragma once
// What a Shlink tag rename or delete changes: the new tag set of each link
// it touches. Pure, so the rules are tested without link actors; the routes
// (shlink_tags.cpp) send one update per entry.

#include "schemas/link_commands.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace linkly {

/// (code, the link's whole new tag set, sorted), one per link touched.
using tag_changes = std::vector<std::pair<std::string, std::vector<std::string>>>;

enum class rename_outcome {
  renamed,    // *out holds the updates
  unchanged,  // old and new names are the same
  not_found,  // no link carries old_name
  conflict,   // some link carries new_name already (Shlink refuses: 409)
};

rename_outcome plan_tag_rename(const std::vector<link_info>& links, const std::string& old_name,
                               const std::string& new_name, tag_changes* out);

/// Every link carrying one of `doomed`, without them.
tag_changes plan_tag_delete(const std::vector<link_info>& links,
                            const std::set<std::string>& doomed);

}  // namespace linkly
