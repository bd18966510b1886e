#include "tests/support/links_api.hpp"

#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <exception>
#include <sstream>

namespace linkly::e2e {

std::string link_body(std::string_view url, std::string_view code) {
  boost::json::object body{{"url", url}};
  if (!code.empty()) body["code"] = code;
  return boost::json::serialize(body);
}

http_response create_link(http_client& client, std::string_view url, std::string_view code) {
  return client.post("/links", link_body(url, code));
}

boost::json::object json_object(const http_response& res) {
  boost::json::value value = res.json();
  if (!value.is_object()) return {};
  return value.get_object();
}

std::optional<std::string> error_message(const http_response& res) {
  boost::json::object body = json_object(res);
  const boost::json::value* error = body.if_contains("error");
  if (error == nullptr || !error->is_string()) return std::nullopt;
  return std::string(error->get_string());
}

std::optional<boost::json::array> list_all_links(http_client& client, std::string* why) {
  boost::json::array all;
  std::string target = "/links?limit=1000";
  for (int page = 0; page < 10'000; ++page) {
    http_response res = client.get(target);
    boost::json::object body = json_object(res);
    const boost::json::value* links = body.if_contains("links");
    const boost::json::value* next = body.if_contains("next");
    if (res.status != 200 || links == nullptr || !links->is_array() || next == nullptr) {
      *why = "GET " + target + ": " + res.describe();
      return std::nullopt;
    }
    for (const auto& link : links->get_array()) all.push_back(link);
    if (next->is_null()) return all;
    if (!next->is_string()) {
      *why = "GET " + target + ": \"next\" is neither null nor a string";
      return std::nullopt;
    }
    // Codes are [A-Za-z0-9_-]: no escaping needed in the query.
    target = "/links?limit=1000&after=" + std::string(next->get_string());
  }
  *why = "GET /links: more than 10000 pages";
  return std::nullopt;
}

std::optional<std::vector<dumped_event>> parse_dump(const std::vector<std::string>& lines,
                                                    std::string* why) {
  std::vector<dumped_event> events;
  for (const std::string& line : lines) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(line, ec);
    const boost::json::object* o = value.if_object();
    const boost::json::value* event = o ? o->if_contains("event") : nullptr;
    if (ec || o == nullptr || !o->contains("seq") || !o->at("seq").is_number() ||
        !o->contains("type") || !o->at("type").is_string() || !o->contains("key") ||
        !o->at("key").is_string() || !o->contains("schema_version") || !o->contains("at") ||
        event == nullptr || !event->is_object()) {
      *why = "not a log dump line: " + line;
      return std::nullopt;
    }
    dumped_event e;
    e.seq = o->at("seq").to_number<std::uint64_t>();
    e.type = o->at("type").get_string();
    e.key = o->at("key").get_string();
    const auto& payload = event->get_object();
    if (const auto* code = payload.if_contains("code"); code && code->is_string()) {
      e.code = code->get_string();
    }
    if (const auto* url = payload.if_contains("url"); url && url->is_string()) {
      e.url = url->get_string();
    }
    events.push_back(std::move(e));
  }
  return events;
}

std::optional<double> metric_sample(const std::string& body, const std::string& name) {
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + " ", 0) != 0) continue;
    try {
      return std::stod(line.substr(name.size() + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

boost::json::object parse_json_line(const std::string& line) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(line, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << line;
    return {};
  }
  return v.as_object();
}

http_response poll(http_client& client, const std::string& target,
                   const std::function<bool(const boost::json::object&)>& done,
                   std::chrono::milliseconds deadline) {
  constexpr auto kPollInterval = std::chrono::milliseconds(20);
  http_response res;
  linkly::testing::eventually(
      [&] {
        res = client.get(target);
        return res.status == 200 && done(json_object(res));
      },
      deadline, kPollInterval);
  return res;
}

std::uint64_t number(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_number() ? v->to_number<std::uint64_t>() : 0;
}

}  // namespace linkly::e2e
