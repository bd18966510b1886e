#pragma once
// The address of a running linkly that a CLI client talks to
// (`linkly log tail --url`, `linkly import --server`).

#include <optional>
#include <string>

namespace linkly {

struct server_url {
  std::string host;
  std::string port;
  std::string base;  // path prefix without a trailing '/'
};

/// "http://HOST[:PORT][/PREFIX]"; nullopt for anything else (https included:
/// the clients speak plain HTTP).
std::optional<server_url> parse_server_url(const std::string& text);

}  // namespace linkly
