#include "schemas/click_events.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

namespace linkly {

envelope make_click_envelope(const click_recorded& click) {
  envelope env;
  env.type = click_recorded::type;
  env.schema_version = schema_version_of<click_recorded>();
  env.timestamp_ms = click.clicked_at_ms;
  env.key = click.code;
  env.payload = encode_payload(click);
  return env;
}

bool decode_click(const envelope& env, click_recorded* out) {
  if (env.type != click_recorded::type) return false;
  click_recorded value;
  if (!decode_payload(env.payload, &value)) return false;
  *out = std::move(value);
  return true;
}

namespace {

std::string truncate_v4(boost::asio::ip::address_v4 v4) {
  auto bytes = v4.to_bytes();
  bytes[3] = 0;
  return boost::asio::ip::address_v4(bytes).to_string();
}

}  // namespace

std::string truncate_client_address(std::string_view ip) {
  namespace net = boost::asio::ip;
  // The parser stops at a NUL; "1.2.3.4\0junk" is not an address.
  if (ip.find('\0') != std::string_view::npos) return {};
  boost::system::error_code ec;
  const net::address addr = net::make_address(std::string(ip), ec);
  if (ec) return {};
  if (addr.is_v4()) return truncate_v4(addr.to_v4());
  const net::address_v6 v6 = addr.to_v6();
  if (v6.is_v4_mapped()) return truncate_v4(net::make_address_v4(net::v4_mapped, v6));
  auto bytes = v6.to_bytes();
  for (std::size_t i = 6; i < bytes.size(); ++i) bytes[i] = 0;
  return net::address_v6(bytes).to_string();  // no scope id: the zone is dropped
}

}  // namespace linkly
