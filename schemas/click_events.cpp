#include "schemas/click_events.hpp"

#include "schemas/bot_patterns.hpp"
#include "schemas/cereal_layout.hpp"

#include <boost/asio/ip/address.hpp>

#include <utility>

namespace linkly {

namespace {

void put_length(std::string* out, std::size_t n) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

void put_bytes(std::string* out, std::string_view s) {
  put_length(out, s.size());
  out->append(s.data(), s.size());
}

// Reads what encode_click writes; each get() is false, and reads nothing
// more, once the bytes cannot hold the field.
class compact_reader {
 public:
  explicit compact_reader(std::string_view bytes) : rest_(bytes) {}

  template <class T>
  bool get(T* value) {
    // The fixed-size fields share cereal_layout's reader; track what it ate.
    cereal_layout::reader r(rest_);
    if (!r.get(value)) return false;
    rest_.remove_prefix(sizeof(T));
    return true;
  }

  bool varint(std::uint64_t* out) {
    std::uint64_t n = 0;
    for (int shift = 0;; shift += 7) {
      // 10 bytes hold any 64-bit number; more is corruption.
      if (rest_.empty() || shift > 63) return false;
      auto byte = static_cast<unsigned char>(rest_.front());
      rest_.remove_prefix(1);
      n |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) break;
    }
    *out = n;
    return true;
  }

  bool get(std::string_view* s) {
    std::uint64_t n = 0;
    if (!varint(&n)) return false;
    if (n > rest_.size()) return false;  // a length beyond the record
    *s = rest_.substr(0, static_cast<std::size_t>(n));
    rest_.remove_prefix(static_cast<std::size_t>(n));
    return true;
  }

  bool at_end() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

// A version 1 payload, by hand (cereal_layout.hpp): the clicks logs
// written before version 2 are replayed at this speed, and a length beyond
// the bytes is refused before anything is allocated.
bool decode_v1_click(std::string_view bytes, click_recorded* c) {
  cereal_layout::reader in(bytes);
  std::uint32_t version = 0;
  if (!(in.get(&version) && version == 1 && in.get(&c->code) && in.get(&c->clicked_at_ms) &&
        in.get(&c->link_version) && in.get(&c->url) && in.get(&c->country) &&
        in.get(&c->latitude) && in.get(&c->longitude) && in.get(&c->referrer) &&
        in.get(&c->user_agent) && in.get(&c->client_address))) {
    return false;
  }
  c->potential_bot = is_potential_bot(c->user_agent);
  return true;
}

constexpr std::uint8_t kHasLatitude = 1;
constexpr std::uint8_t kHasLongitude = 2;
constexpr std::uint8_t kPotentialBot = 4;  // version 3 on

// A version 2 or 3 payload, in place; false for any other version or bytes
// that do not hold one whole.
bool decode_compact_click(std::string_view payload, click_view* c) {
  compact_reader in(payload);
  std::uint32_t version = 0;
  std::uint8_t has = 0;
  if (!in.get(&version) || (version != 2 && version != 3) || !in.get(&c->link_version) ||
      !in.get(&has)) {
    return false;
  }
  const std::uint8_t known =
      kHasLatitude | kHasLongitude | (version >= 3 ? kPotentialBot : std::uint8_t{0});
  if ((has & ~known) != 0) return false;
  c->incarnation = 0;
  if (version >= 3 && !in.varint(&c->incarnation)) return false;
  for (auto [bit, field] :
       {std::pair{kHasLatitude, &c->latitude}, std::pair{kHasLongitude, &c->longitude}}) {
    *field = std::nullopt;
    if ((has & bit) == 0) continue;
    double v = 0;
    if (!in.get(&v)) return false;
    *field = v;
  }
  if (!(in.get(&c->url) && in.get(&c->country) && in.get(&c->referrer) && in.get(&c->user_agent) &&
        in.get(&c->client_address) && in.at_end())) {
    return false;
  }
  // Version 2 did not say: judged now by the rule capture applies since.
  c->potential_bot = version >= 3 ? (has & kPotentialBot) != 0 : is_potential_bot(c->user_agent);
  return true;
}

}  // namespace

namespace {

// A LEB128 length's bytes.
std::size_t length_bytes(std::size_t n) {
  std::size_t bytes = 1;
  for (; n >= 0x80; n >>= 7) ++bytes;
  return bytes;
}

}  // namespace

click_view view_of(const click_recorded& click) {
  return {click.link_version,  click.url,        click.country,    click.latitude,
          click.longitude,     click.referrer,   click.user_agent, click.client_address,
          click.potential_bot, click.incarnation};
}

void encode_click(const click_view& click, std::string* out) {
  using cereal_layout::put;
  std::size_t size = 4 + 4 + 1 + length_bytes(click.incarnation) + (click.latitude ? 8 : 0) +
                     (click.longitude ? 8 : 0);
  for (std::string_view s :
       {click.url, click.country, click.referrer, click.user_agent, click.client_address}) {
    size += length_bytes(s.size()) + s.size();
  }
  out->reserve(out->size() + size);
  put<std::uint32_t>(out, kClickPayloadVersion);
  put<std::uint32_t>(out, click.link_version);
  std::uint8_t has = (click.latitude ? kHasLatitude : 0) | (click.longitude ? kHasLongitude : 0) |
                     (click.potential_bot ? kPotentialBot : 0);
  put<std::uint8_t>(out, has);
  put_length(out, click.incarnation);
  if (click.latitude) put<double>(out, *click.latitude);
  if (click.longitude) put<double>(out, *click.longitude);
  put_bytes(out, click.url);
  put_bytes(out, click.country);
  put_bytes(out, click.referrer);
  put_bytes(out, click.user_agent);
  put_bytes(out, click.client_address);
}

std::string encode_click(const click_recorded& click) {
  std::string out;
  encode_click(view_of(click), &out);
  return out;
}

envelope make_click_envelope(std::string code, std::int64_t clicked_at_ms, const click_view& click,
                             std::string payload_buffer) {
  envelope env;
  env.type = click_recorded::type;
  env.schema_version = kClickPayloadVersion;
  env.timestamp_ms = clicked_at_ms;
  env.key = std::move(code);
  env.payload = std::move(payload_buffer);
  env.payload.clear();
  encode_click(click, &env.payload);
  return env;
}

envelope make_click_envelope(const click_recorded& click) {
  return make_click_envelope(click.code, click.clicked_at_ms, view_of(click));
}

bool decode_click(const envelope& env, click_recorded* out) {
  if (env.type != click_recorded::type) return false;
  click_recorded value;
  std::uint32_t version = 0;
  if (!cereal_layout::reader(env.payload).get(&version) || version > kClickPayloadVersion) {
    return false;  // a newer linkly's click: not guessed at
  }
  if (version >= 2) {
    click_view view;
    if (!decode_compact_click(env.payload, &view)) return false;
    value.code = env.key;
    value.clicked_at_ms = env.timestamp_ms;
    value.link_version = view.link_version;
    value.url = view.url;
    value.country = view.country;
    value.latitude = view.latitude;
    value.longitude = view.longitude;
    value.referrer = view.referrer;
    value.user_agent = view.user_agent;
    value.client_address = view.client_address;
    value.potential_bot = view.potential_bot;
    value.incarnation = view.incarnation;
  } else if (!(version == 1 ? decode_v1_click(env.payload, &value)
                            : decode_payload(env.payload, &value))) {  // older
    return false;
  }
  if (version == 0) value.potential_bot = is_potential_bot(value.user_agent);
  *out = std::move(value);
  return true;
}

bool decode_click(const envelope& env, click_view* out) {
  return env.type == click_recorded::type && decode_compact_click(env.payload, out);
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
