#pragma once
// The web front end's files, embedded at build time from web/ by
// cmake/embed_files.cmake (the definition is generated into the build tree).

#include <span>
#include <string_view>

namespace linkly {

struct embedded_file {
  /// Relative to web/: "index.html", "app.js".
  std::string_view name;
  /// With a charset for text ("text/html; charset=utf-8").
  std::string_view content_type;
  /// Quoted, from the content's hash: changes whenever the file does.
  std::string_view etag;
  std::string_view data;
};

/// Every embedded file; static storage, never empty.
std::span<const embedded_file> ui_assets();

}  // namespace linkly
