#pragma once
// The dead-letter admin routes (API.md), internal to the router:
//
//   GET    /admin/dlq[?after=&limit=]  200 {"entries":[...], "next": id|null}
//   POST   /admin/dlq/redrive          body empty or {} (all) or {"id": N}
//                                      200 {"redriven","clicks","remaining"};
//                                      404 unknown id; 503 with the same
//                                      counts and "error" when the clicks
//                                      log cannot be written
//   DELETE /admin/dlq/{id}             204; 404 unknown id
//
// 400 for an id or cursor that is not a positive integer, 503 when clicks
// are off or the dead-letter store fails. Answers come from click_service
// callbacks, on its threads, and are handed to `send` there.

#include "http/router.hpp"
#include "http/routes.hpp"
#include "storage/dead_letter_store.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace linkly {

/// A dead-letter id: decimal digits only, 1..2^64-1.
bool parse_dead_letter_id(std::string_view raw, std::uint64_t* out);

/// The redrive body: empty (or only whitespace) or {} means all (*id
/// empty); {"id": N} with N a positive integer means that one. Sets `*error`
/// (a 400 message) otherwise.
bool parse_redrive_body(std::string_view body, std::optional<std::uint64_t>* id,
                        std::string* error);

/// One entry of the list: {"id","queue","error","attempts","failed_at",
/// "clicks"}; "clicks" (envelopes in the payload) only when it decodes.
boost::json::object dead_letter_json(const dead_letter& entry);

void list_dead_letters(const route_match& match, const router_context& ctx, response_sender send);
void redrive_dead_letters(const http_request& req, const router_context& ctx, response_sender send);
void discard_dead_letter(const std::string& raw_id, const router_context& ctx,
                         response_sender send);

}  // namespace linkly
