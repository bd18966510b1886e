#pragma once
// `linkly api-key create NAME [--expires T] | list | revoke NAME`: the API
// keys of a running server (POST/GET /api-keys, DELETE /api-keys/{name}),
// talked to like `linkly import` does (--server, --token).

#include <string>

namespace linkly {

struct api_key_options {
  std::string action;   // "create", "list" or "revoke"
  std::string name;     // create, revoke
  std::string expires;  // create: RFC 3339, "" for never
  std::string server = "http://127.0.0.1:3111";
  /// Sent as "Authorization: Bearer" when not empty: the token or a key.
  std::string token;
};

/// Prints the server's JSON answer (create: the key, shown only then); 0 on
/// a 2xx answer, 1 on an unreachable server or any other answer, 2 on a bad
/// --server.
int run_api_key(const api_key_options& options);

}  // namespace linkly
