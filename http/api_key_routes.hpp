#pragma once
// POST /api-keys, GET /api-keys, DELETE /api-keys/{name} (API.md "API
// keys"), over the server's key_store (http/key_store.hpp). They need a key
// like every other protected route. Answered on the io thread: a create or
// revoke waits for one append to the small keys log.

#include "http/responses.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

struct router_context;

/// POST /api-keys {"name", "expires_at"?} -> 201 {"name","key","created_at","expires_at"}.
http_response create_api_key_response(const http_request& req, const router_context& ctx);

/// GET /api-keys -> {"api_keys":[{"name","created_at","expires_at","revoked"}]}.
http_response list_api_keys_response(const router_context& ctx);

/// DELETE /api-keys/{name} -> 204; 404 for an unknown name.
http_response revoke_api_key_response(std::string_view name, const router_context& ctx);

}  // namespace linkly
