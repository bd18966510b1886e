#include "bench/harness/workload.hpp"

namespace linkly::bench {

workload::workload(workload_options options)
    : options_(std::move(options)),
      picker_(options_.links, options_.distribution, options_.zipf_exponent, options_.seed),
      mix_(options_.seed ^ 0x5bd1e995) {}

std::optional<request_ticket> workload::next() {
  if (options_.preload) {
    if (created_ == options_.links) return std::nullopt;
    return request_ticket{request_kind::create, created_++};
  }
  if (options_.create_share > 0 && mix_.unit() < options_.create_share) {
    return request_ticket{request_kind::create, created_++};
  }
  return request_ticket{request_kind::redirect, picker_.next()};
}

std::string workload::code_for(const request_ticket& ticket) const {
  if (ticket.kind == request_kind::create && !options_.preload) {
    return options_.create_prefix + std::to_string(ticket.index);
  }
  return code_of(ticket.index);
}

void workload::write_request(const request_ticket& ticket, std::string& out) const {
  std::string code = code_for(ticket);
  out.clear();
  if (ticket.kind == request_kind::redirect) {
    out.append("GET /s/").append(code);
    if (!options_.redirect_query.empty()) out.append("?").append(options_.redirect_query);
    out.append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return;
  }
  std::string body = R"({"code":")" + code + R"(","url":")" + url_of(code) + "\"";
  if (!options_.link_fields.empty()) body.append(",").append(options_.link_fields);
  body.append("}");
  out.append("POST /links HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n")
      .append("Content-Length: ")
      .append(std::to_string(body.size()))
      .append("\r\n\r\n")
      .append(body);
}

verdict workload::check(const request_ticket& ticket, unsigned status,
                        std::string_view location) const {
  if (ticket.kind == request_kind::create)
    return status == 201 ? verdict::ok : verdict::wrong_status;
  if (status != 302) return verdict::wrong_status;
  const std::string url = url_of(code_for(ticket));
  if (location == url) return verdict::ok;
  if (!options_.redirect_query.empty() && location == url + "?" + options_.redirect_query)
    return verdict::ok;
  return verdict::wrong_location;
}

}  // namespace linkly::bench
