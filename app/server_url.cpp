#include "app/server_url.hpp"

#include <boost/url/parse.hpp>

namespace linkly {

std::optional<server_url> parse_server_url(const std::string& text) {
  auto url = boost::urls::parse_uri(text);
  if (!url || url->scheme() != "http" || url->host().empty()) return std::nullopt;
  server_url out;
  out.host = url->host();
  out.port = url->has_port() ? std::string(url->port()) : "80";
  out.base = url->path();
  while (!out.base.empty() && out.base.back() == '/') out.base.pop_back();
  return out;
}

}  // namespace linkly
