#include "http/link_json.hpp"

#include "http/link_attributes_json.hpp"
#include "schemas/clock.hpp"

#include <boost/json/array.hpp>
#include <boost/json/value.hpp>

#include <string>

namespace linkly {

std::string short_url(std::string_view short_url_base, std::string_view code) {
  std::string out;
  out.reserve(short_url_base.size() + 3 + code.size());
  out.append(short_url_base).append("/s/").append(code);
  return out;
}

boost::json::object created_link_json(const link_info& link, std::string_view short_url_base) {
  boost::json::object out{{"code", link.code},
                          {"url", link.url},
                          {"short_url", short_url(short_url_base, link.code)},
                          {"created_at", format_utc_ms(link.created_at_ms)}};
  put_attributes(link.attrs, &out);
  return out;
}

boost::json::object updated_link_json(const link_info& link) {
  return {{"code", link.code},
          {"url", link.url},
          {"version", link.version},
          {"updated_at", format_utc_ms(link.updated_at_ms)}};
}

boost::json::object link_json(const link_info& link, std::string_view short_url_base) {
  boost::json::object out{{"code", link.code},
                          {"url", link.url},
                          {"short_url", short_url(short_url_base, link.code)},
                          {"version", link.version},
                          {"created_at", format_utc_ms(link.created_at_ms)},
                          {"updated_at", format_utc_ms(link.updated_at_ms)}};
  put_attributes(link.attrs, &out);
  return out;
}

boost::json::object link_page_json(const link_page& page, std::string_view short_url_base) {
  boost::json::array links;
  links.reserve(page.links.size());
  for (const link_info& link : page.links) links.emplace_back(link_json(link, short_url_base));
  boost::json::object out;
  out["links"] = std::move(links);
  if (page.next.empty()) {
    out["next"] = nullptr;
  } else {
    out["next"] = page.next;
  }
  return out;
}

boost::json::object history_json(std::string_view code, const history_reply& history) {
  boost::json::array events;
  events.reserve(history.entries.size());
  for (const link_history_entry& entry : history.entries) {
    boost::json::object event{
        {"seq", entry.seq}, {"type", entry.type}, {"at", format_utc_ms(entry.timestamp_ms)}};
    if (!entry.url.empty()) event["url"] = entry.url;
    events.emplace_back(std::move(event));
  }
  boost::json::object out;
  out["code"] = code;
  out["events"] = std::move(events);
  if (history.next == 0) {
    out["next"] = nullptr;
  } else {
    out["next"] = history.next;
  }
  return out;
}

}  // namespace linkly
