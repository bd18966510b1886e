#pragma once
// GET /robots.txt: crawlers may follow the short urls of crawlable links
// and nothing else. Internal to the router (router.cpp dispatches here).

#include "http/router.hpp"
#include "schemas/link_commands.hpp"

#include <string>
#include <vector>

namespace linkly {

/// The body for the codes of the live crawlable links: "User-agent: *", an
/// "Allow: /s/{code}" and "Allow: /{code}" per code, then "Disallow: /".
std::string robots_txt(const std::vector<std::string>& crawlable_codes);

/// Answers GET /robots.txt (text/plain) from every live link, read a page
/// at a time from the link service.
void robots_route(const router_context& ctx, response_sender send);

}  // namespace linkly
