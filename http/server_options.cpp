// What server.hpp says of server_options besides the struct: whether they
// may be served as they are, and the base of short URLs they give.

#include "http/server.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/host_name.hpp>

namespace linkly {

namespace net = boost::asio;

namespace {

bool is_unspecified_address(const std::string& host) {
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  return !ec && address.is_unspecified();
}

}  // namespace

std::optional<std::string> exposure_problem(const server_options& options) {
  if (options.auth.token || options.trusted_network || is_loopback_host(options.host)) {
    return std::nullopt;
  }
  return "listening on " + options.host +
         ", which other machines can reach, with no API token: anyone there could create, "
         "change and delete links and read every stat. Set LINKLY_TOKEN (auth.token), listen "
         "on 127.0.0.1, or declare the network trusted (http.trusted_network: true)";
}

std::string short_url_base(const server_options& options, std::uint16_t port) {
  std::string base = options.public_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  if (!base.empty()) return base;
  std::string host = options.host;
  if (is_unspecified_address(host)) {
    boost::system::error_code ec;
    host = net::ip::host_name(ec);
    if (ec || host.empty()) host = "localhost";
  }
  bool ipv6 = host.find(':') != std::string::npos;
  return "http://" + (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace linkly
