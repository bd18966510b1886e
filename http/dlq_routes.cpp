#include "http/dlq_routes.hpp"

#include "actors/click_service.hpp"
#include "http/json_body.hpp"
#include "http/reply_response.hpp"
#include "schemas/clock.hpp"
#include "storage/record_format.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

namespace linkly {

namespace {

constexpr std::string_view kClicksOff = "clicks are off";
constexpr std::string_view kBadId = "invalid dead letter id: use a positive integer";

http_response clicks_off_response() {
  return error_response(http_status::service_unavailable, kClicksOff);
}

bool is_blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

bool parse_dead_letter_id(std::string_view raw, std::uint64_t* out) {
  if (raw.empty() ||
      !std::all_of(raw.begin(), raw.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), value);
  if (ec != std::errc() || ptr != raw.data() + raw.size() || value == 0) return false;
  *out = value;
  return true;
}

bool parse_redrive_body(std::string_view body, std::optional<std::uint64_t>* id,
                        std::string* error) {
  id->reset();
  if (is_blank(body)) return true;
  boost::json::object object;
  if (!parse_json_object(body, &object, error)) return false;
  const auto* field = object.if_contains("id");
  if (field == nullptr) return true;
  if (field->is_uint64() && field->as_uint64() > 0) {
    *id = field->as_uint64();
  } else if (field->is_int64() && field->as_int64() > 0) {
    *id = static_cast<std::uint64_t>(field->as_int64());
  } else {
    *error = "\"id\" must be a positive integer";
    return false;
  }
  return true;
}

boost::json::object dead_letter_json(const dead_letter& entry) {
  boost::json::object out;
  out["id"] = entry.id;
  out["queue"] = entry.queue;
  out["error"] = entry.error;
  out["attempts"] = entry.attempts;
  out["failed_at"] = format_utc_ms(entry.failed_at_ms);
  std::vector<envelope> batch;
  if (decode_batch(entry.payload, &batch)) out["clicks"] = batch.size();
  return out;
}

void list_dead_letters(const route_match& match, const router_context& ctx, response_sender send) {
  if (ctx.clicks == nullptr) return send(clicks_off_response());
  std::size_t limit = 0;
  std::string error;
  if (!parse_limit(match.limit, &limit, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  std::uint64_t after = 0;
  if (!match.after.empty() && match.after != "0" && !parse_dead_letter_id(match.after, &after)) {
    return send(
        error_response(http_status::bad_request, "invalid after: use the id of a dead letter"));
  }
  // One more than asked: whether there is a next page without another call.
  ctx.clicks->list_dead_letters(after, limit + 1,
                                [send = std::move(send), limit](dead_letter_page page) {
                                  if (!page.ok()) return send(reply_error_response(page));
                                  bool more = page.entries.size() > limit;
                                  if (more) page.entries.resize(limit);
                                  boost::json::array entries;
                                  entries.reserve(page.entries.size());
                                  for (const auto& e : page.entries) {
                                    entries.push_back(dead_letter_json(e));
                                  }
                                  boost::json::object body;
                                  body["entries"] = std::move(entries);
                                  if (more) {
                                    body["next"] = page.entries.back().id;
                                  } else {
                                    body["next"] = nullptr;
                                  }
                                  send(json_response(http_status::ok, body));
                                });
}

void redrive_dead_letters(const http_request& req, const router_context& ctx,
                          response_sender send) {
  if (ctx.clicks == nullptr) return send(clicks_off_response());
  std::optional<std::uint64_t> id;
  std::string error;
  if (!parse_redrive_body(req.body(), &id, &error)) {
    return send(error_response(http_status::bad_request, error));
  }
  ctx.clicks->redrive(id, [send = std::move(send)](redrive_reply reply) {
    // What was written before the log failed stays written: the counts say so.
    if (!reply.ok() && !reply.log_failed) return send(reply_error_response(reply));
    boost::json::object body;
    if (reply.log_failed) body["error"] = reply.error;
    body["redriven"] = reply.redriven;
    body["clicks"] = reply.clicks;
    body["remaining"] = reply.remaining;
    send(json_response(http_status_for(reply.code), body));
  });
}

void discard_dead_letter(const std::string& raw_id, const router_context& ctx,
                         response_sender send) {
  if (ctx.clicks == nullptr) return send(clicks_off_response());
  std::uint64_t id = 0;
  if (!parse_dead_letter_id(raw_id, &id)) {
    return send(error_response(http_status::bad_request, kBadId));
  }
  ctx.clicks->discard(id, [send = std::move(send)](reply_status reply) {
    if (!reply.ok()) return send(reply_error_response(reply));
    send(no_content_response());
  });
}

}  // namespace linkly
