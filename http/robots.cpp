#include "http/robots.hpp"

#include "actors/link_service.hpp"
#include "http/error_messages.hpp"
#include "http/reply_response.hpp"
#include "http/responses.hpp"
#include "http/routes.hpp"

#include <memory>
#include <utility>

namespace linkly {

namespace {

namespace http = boost::beast::http;

// Links asked for per page while scanning: the largest page the service
// gives, so a store of n links takes n / kMaxPageLimit round trips.
constexpr std::size_t kRobotsPageLinks = kMaxPageLimit;

// Walks every live link a page at a time, keeping the crawlable codes.
struct robots_scan : std::enable_shared_from_this<robots_scan> {
  link_service* links = nullptr;
  response_sender send;
  std::vector<std::string> crawlable;

  void next(std::string after) {
    links->list(std::move(after), kRobotsPageLinks,
                [self = shared_from_this()](link_page page) { self->take(std::move(page)); });
  }

  void take(link_page page) {
    if (!page.ok()) return send(reply_error_response(page));
    for (link_info& link : page.links) {
      if (link.attrs.crawlable) crawlable.push_back(std::move(link.code));
    }
    if (!page.next.empty()) return next(std::move(page.next));
    http_response res{http::status::ok, 11};
    res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.body() = robots_txt(crawlable);
    res.prepare_payload();
    send(std::move(res));
  }
};

}  // namespace

std::string robots_txt(const std::vector<std::string>& crawlable_codes) {
  std::string out = "User-agent: *\n";
  for (const std::string& code : crawlable_codes) {
    out.append("Allow: /s/").append(code).append("\n");
    out.append("Allow: /").append(code).append("\n");
  }
  out += "Disallow: /\n";
  return out;
}

void robots_route(const router_context& ctx, response_sender send) {
  if (ctx.links == nullptr) {
    return send(error_response(http_status::service_unavailable, error_message::kUnavailable));
  }
  auto scan = std::make_shared<robots_scan>();
  scan->links = ctx.links;
  scan->send = std::move(send);
  scan->next("");
}

}  // namespace linkly
