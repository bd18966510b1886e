#include "schemas/click_events.hpp"

#include "schemas/cereal_layout.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

namespace linkly {

namespace {

// The current version's payload, by hand (cereal_layout.hpp); false sends
// the caller to cereal, which also reads older versions.
bool decode_current_click(std::string_view bytes, click_recorded* c) {
  cereal_layout::reader in(bytes);
  std::uint32_t version = 0;
  return in.get(&version) && version == schema_version_of<click_recorded>() && in.get(&c->code) &&
         in.get(&c->clicked_at_ms) && in.get(&c->link_version) && in.get(&c->url) &&
         in.get(&c->country) && in.get(&c->latitude) && in.get(&c->longitude) &&
         in.get(&c->referrer) && in.get(&c->user_agent) && in.get(&c->client_address);
}

}  // namespace

std::string encode_click(const click_recorded& click) {
  using cereal_layout::put;
  std::string out;
  out.reserve(4 + 8 * 6 + 8 + 4 + 2 * 9 + click.code.size() + click.url.size() +
              click.country.size() + click.referrer.size() + click.user_agent.size() +
              click.client_address.size());
  put<std::uint32_t>(&out, schema_version_of<click_recorded>());
  put(&out, click.code);
  put<std::int64_t>(&out, click.clicked_at_ms);
  put<std::uint32_t>(&out, click.link_version);
  put(&out, click.url);
  put(&out, click.country);
  put(&out, click.latitude);
  put(&out, click.longitude);
  put(&out, click.referrer);
  put(&out, click.user_agent);
  put(&out, click.client_address);
  return out;
}

envelope make_click_envelope(const click_recorded& click) {
  envelope env;
  env.type = click_recorded::type;
  env.schema_version = schema_version_of<click_recorded>();
  env.timestamp_ms = click.clicked_at_ms;
  env.key = click.code;
  env.payload = encode_click(click);
  return env;
}

bool decode_click(const envelope& env, click_recorded* out) {
  if (env.type != click_recorded::type) return false;
  click_recorded value;
  if (!decode_current_click(env.payload, &value) && !decode_payload(env.payload, &value)) {
    return false;
  }
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
