#pragma once
// Small helpers over linkly's HTTP API (API.md) for end-to-end tests:
// request bodies, the whole link listing, log dumps.

#include "tests/support/http_client.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace linkly::e2e {

/// {"url": url} or {"url": url, "code": code}.
std::string link_body(std::string_view url, std::string_view code = {});

/// POST /links with link_body(url, code).
http_response create_link(http_client& client, std::string_view url, std::string_view code = {});

/// `res.json()` as an object; empty when the body is not a JSON object.
boost::json::object json_object(const http_response& res);

/// GETs `target` until it answers 200 with a body for which `done` holds,
/// or `deadline` passes; returns the last response.
http_response poll(http_client& client, const std::string& target,
                   const std::function<bool(const boost::json::object&)>& done,
                   std::chrono::milliseconds deadline = std::chrono::seconds(10));

/// The member `name` of `o` as an unsigned number; 0 when absent or not a
/// number.
std::uint64_t number(const boost::json::object& o, const char* name);

/// The value of the sample `name` (with its labels, verbatim, e.g.
/// `m{projection="analytics"}`) in a Prometheus text body such as
/// /metrics'; nullopt when absent or not a number.
std::optional<double> metric_sample(const std::string& body, const std::string& name);

/// One line of JSON (a CLI's output) as an object; an empty object, and a
/// test failure, when it is not one.
boost::json::object parse_json_line(const std::string& line);

/// The "error" member of a JSON error body, or nullopt when the body is not
/// {"error": "<string>"} (any other members are allowed).
std::optional<std::string> error_message(const http_response& res);

/// Every link, following the `next` cursor of GET /links?limit=1000.
/// nullopt (with `*why` set) when a page is not a 200 JSON listing.
std::optional<boost::json::array> list_all_links(http_client& client, std::string* why);

/// One parsed line of `linkly log dump`.
struct dumped_event {
  std::uint64_t seq = 0;
  std::string type;
  std::string key;
  std::string code;  // event.code
  std::string url;   // event.url ("" for LinkDeleted)
};

/// Parses `linkly log dump` output; nullopt (with `*why`) when a line is
/// not a JSON object of the documented shape.
std::optional<std::vector<dumped_event>> parse_dump(const std::vector<std::string>& lines,
                                                    std::string* why);

}  // namespace linkly::e2e
