// Short URLs of the Shlink API: list, create, get, edit, delete, mapped onto
// link_service's commands and the read view. Answers that carry visit
// counts read the analytics store, so they are built on the io thread.

#include "actors/link_service.hpp"
#include "actors/read_view.hpp"
#include "http/io_worker.hpp"
#include "http/shlink_body.hpp"
#include "http/shlink_call.hpp"
#include "http/shlink_json.hpp"
#include "http/shlink_link_scan.hpp"
#include "http/shlink_list_query.hpp"
#include "http/shlink_problem.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <algorithm>
#include <memory>
#include <random>
#include <utility>

namespace linkly {

namespace {

namespace http = boost::beast::http;

// Generated codes that collide with a taken one are redrawn this many times
// at most before the create answers 503: with 4+ characters of a 51-letter
// alphabet a second collision in a row means the space is nearly full.
constexpr int kMaxCodeDraws = 3;

// Shlink's alphabet for generated codes: no vowels, so no words.
constexpr std::string_view kCodeAlphabet = "0123456789bcdfghjkmnpqrstvwxyzBCDFGHJKLMNPQRSTVWXYZ";

std::string random_code(std::size_t length) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::uniform_int_distribution<std::size_t> pick(0, kCodeAlphabet.size() - 1);
  std::string out(length, '0');
  for (char& c : out) c = kCodeAlphabet[pick(rng)];
  return out;
}

// Runs `fn` on the io thread (store reads), or here without a worker (tests).
template <class Fn>
void on_io(io_worker* worker, Fn&& fn) {
  if (worker == nullptr) return fn();
  worker->post(std::forward<Fn>(fn));  // refused only once the server has stopped
}

// The ShortUrl of `link` with its visits, answered with `status`.
void answer_link(const shlink_call& call, link_info link, http_status status) {
  on_io(call.worker, [send = call.send, base = call.short_url_base, analytics = call.analytics,
                      link = std::move(link), status] {
    shlink_visits visits = shlink_visits_of(analytics, link);
    send(json_response(status, shlink_short_url_json(link, base, visits)));
  });
}

http_response unavailable_problem(std::string_view why) {
  return shlink_status_problem(http_status::service_unavailable, why);
}

// A failed link command as Shlink would say it.
http_response command_problem(const reply_status& reply, std::string_view code) {
  switch (reply.code) {
    case reply_code::not_found:
      return shlink_short_url_not_found(code);
    case reply_code::conflict:
      return shlink_non_unique_slug(code);
    case reply_code::invalid:
      return shlink_status_problem(http_status::bad_request, reply.error);
    default:
      return unavailable_problem(reply.error.empty() ? "unavailable" : reply.error);
  }
}

// The body as a JSON object; an empty body is {}. False: answered already.
bool read_body(const shlink_call& call, boost::json::object* out) {
  std::string_view body = call.req->body();
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return true;
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) {
    call.send(shlink_malformed_body());
    return false;
  }
  *out = std::move(value.get_object());
  return true;
}

void create_now(shlink_call call, shlink_create_request request, int draws_left) {
  if (request.short_code_length) request.cmd.code = random_code(*request.short_code_length);
  create_link cmd = request.cmd;
  link_service* links = call.links;
  links->create(std::move(cmd), [call = std::move(call), request = std::move(request),
                                 draws_left](command_reply reply) mutable {
    if (reply.ok()) return answer_link(call, std::move(reply.link), http_status::ok);
    if (reply.code == reply_code::conflict && request.short_code_length) {
      if (draws_left > 1) return create_now(std::move(call), std::move(request), draws_left - 1);
      return call.send(unavailable_problem("no free short code of the length asked for"));
    }
    call.send(command_problem(reply, request.cmd.code));
  });
}

// Whether `link` is what a findIfExists create asks for: Shlink matches the
// long URL and every other field the request gave.
bool matches_request(const link_info& link, const shlink_create_request& request,
                     const boost::json::object& body) {
  const create_link& cmd = request.cmd;
  if (link.url != cmd.url) return false;
  if (!cmd.code.empty() && link.code != cmd.code) return false;
  if (body.contains("tags") && link.attrs.tags != cmd.attrs.tags) return false;
  if (body.contains("title") && link.attrs.title != cmd.attrs.title) return false;
  if (body.contains("validSince") && link.attrs.valid_since_ms != cmd.attrs.valid_since_ms)
    return false;
  if (body.contains("validUntil") && link.attrs.valid_until_ms != cmd.attrs.valid_until_ms)
    return false;
  if (body.contains("maxVisits") && link.attrs.max_visits != cmd.attrs.max_visits) return false;
  return true;
}

}  // namespace

void shlink_list_short_urls(shlink_call call) {
  shlink_list_query query;
  std::vector<std::string> invalid;
  if (!parse_shlink_list_query(call.target, &query, &invalid)) {
    return call.send(shlink_invalid_data(invalid));
  }
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(links, worker, [call = std::move(call), query](link_scan scan) {
    if (!scan.ok()) return call.send(unavailable_problem(scan.error));
    const analytics_reader* analytics = call.analytics;
    std::vector<listed_link> items;
    items.reserve(scan.links.size());
    for (link_info& link : scan.links) items.push_back({std::move(link), {}});
    if (query.needs_visits()) {
      for (listed_link& item : items) item.visits = shlink_visits_of(analytics, item.link);
    }
    items = filter_and_order(std::move(items), query, now_utc_ms());
    std::size_t total = items.size();
    std::size_t per_page = query.items_per_page;
    std::size_t first = per_page == 0 ? 0 : (query.page - 1) * per_page;
    std::size_t last = per_page == 0 ? total : std::min(total, first + per_page);
    if (first > total) first = last = total;
    boost::json::array data;
    for (std::size_t i = first; i < last; ++i) {
      listed_link& item = items[i];
      if (!query.needs_visits()) item.visits = shlink_visits_of(analytics, item.link);
      data.emplace_back(shlink_short_url_json(item.link, call.short_url_base, item.visits));
    }
    std::size_t in_page = data.size();
    boost::json::object list{{"data", std::move(data)},
                             {"pagination", shlink_paginator_json(per_page == 0 ? 1 : query.page,
                                                                  per_page, in_page, total)}};
    call.send(json_response(http_status::ok, boost::json::object{{"shortUrls", std::move(list)}}));
  });
}

void shlink_create_short_url(shlink_call call) {
  boost::json::object body;
  if (!read_body(call, &body)) return;
  shlink_create_request request;
  std::vector<std::string> invalid;
  if (!parse_shlink_create(body, call.default_domain, &request, &invalid)) {
    return call.send(shlink_invalid_data(invalid));
  }
  if (!request.cmd.code.empty()) request.short_code_length.reset();  // a slug wins
  if (!request.find_if_exists)
    return create_now(std::move(call), std::move(request), kMaxCodeDraws);
  link_service* links = call.links;
  io_worker* worker = call.worker;
  scan_links(links, worker,
             [call = std::move(call), request = std::move(request),
              body = std::move(body)](link_scan scan) mutable {
               if (!scan.ok()) return call.send(unavailable_problem(scan.error));
               auto found = std::find_if(
                   scan.links.begin(), scan.links.end(),
                   [&](const link_info& link) { return matches_request(link, request, body); });
               if (found != scan.links.end()) {
                 return answer_link(call, std::move(*found), http_status::ok);
               }
               create_now(std::move(call), std::move(request), kMaxCodeDraws);
             });
}

void shlink_get_short_url(shlink_call call, const std::string& code) {
  link_info link;
  if (!is_code_syntax(code) || !call.view->find(code, &link)) {
    return call.send(shlink_short_url_not_found(code));
  }
  answer_link(call, std::move(link), http_status::ok);
}

void shlink_edit_short_url(shlink_call call, std::string code) {
  boost::json::object body;
  if (!read_body(call, &body)) return;
  update_link cmd;
  std::vector<std::string> invalid;
  if (!parse_shlink_edit(body, &cmd, &invalid)) return call.send(shlink_invalid_data(invalid));
  link_info current;
  if (!is_code_syntax(code) || !call.view->find(code, &current)) {
    return call.send(shlink_short_url_not_found(code));
  }
  // The window as it will be: an edit of one end must still leave start <= end.
  link_attributes after = patched(current.attrs, cmd.patch);
  std::string error;
  if (!validate_attributes(&after, &error)) {
    return call.send(shlink_invalid_data({"validSince", "validUntil"}));
  }
  // Nothing to change: Shlink answers the short URL as it is.
  if (cmd.url.empty() && cmd.patch.empty()) {
    return answer_link(call, std::move(current), http_status::ok);
  }
  cmd.code = code;
  call.links->update(std::move(cmd),
                     [call = std::move(call), code = std::move(code)](command_reply reply) {
                       if (!reply.ok()) return call.send(command_problem(reply, code));
                       answer_link(call, std::move(reply.link), http_status::ok);
                     });
}

void shlink_delete_short_url(shlink_call call, std::string code) {
  if (!is_code_syntax(code)) return call.send(shlink_short_url_not_found(code));
  call.links->remove(delete_link{code}, [call = std::move(call), code](command_reply reply) {
    if (!reply.ok()) return call.send(command_problem(reply, code));
    call.send(no_content_response());
  });
}

void shlink_get_redirect_rules(shlink_call call, const std::string& code) {
  link_info link;
  if (!is_code_syntax(code) || !call.view->find(code, &link)) {
    return call.send(shlink_short_url_not_found(code));
  }
  call.send(json_response(
      http_status::ok,
      boost::json::object{{"defaultLongUrl", link.url}, {"redirectRules", boost::json::array()}}));
}

}  // namespace linkly
