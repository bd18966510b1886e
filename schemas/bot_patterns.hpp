#pragma once
// Which clicks are potential bots: decided once, at capture, from the
// User-Agent, and stored in the click (payload version 3). Clicks recorded
// before that are judged again by the same rule when they are read.
//
// The rule: a User-Agent is a potential bot when it is empty, or when it
// contains, ignoring ASCII case, one of kBotPatterns. An empty one counts as
// a bot because every browser sends a User-Agent and many scripts do not.
// The patterns follow what Shlink (via CrawlerDetect) and Matomo's
// DeviceDetector match on: crawler and preview fetchers name themselves
// ("Googlebot", "bingbot", "Slurp", "facebookexternalhit"), HTTP libraries
// and command-line tools send their own name and version ("curl/8.5.0",
// "python-requests/2.31"), and headless browsers and monitors say so.
// Each pattern is chosen not to occur in a current browser's User-Agent
// (tests/schemas/bot_patterns_test.cpp checks a set of them).

#include <array>
#include <string_view>

namespace linkly {

/// Lower-case substrings of a potential bot's User-Agent (see above).
inline constexpr std::array<std::string_view, 36> kBotPatterns = {
    "bot",       // Googlebot, bingbot, DuckDuckBot, Twitterbot, Applebot, ...
    "crawl",     // crawler, Crawl, ...
    "spider",    // Baiduspider, YandexSpider, ...
    "slurp",     // Yahoo! Slurp
    "scrap",     // scraper, Scrapy
    "archiver",  // ia_archiver, Wayback
    "facebookexternalhit",
    "facebookcatalog",
    "embedly",
    "preview",  // SkypeUriPreview, link previews
    "whatsapp/",
    "telegram",
    "discord",   // Discordbot is matched by "bot" too
    "headless",  // HeadlessChrome
    "lighthouse",
    "phantomjs",
    "curl/",
    "wget/",
    "libwww",
    "python-",  // python-requests, python-urllib, python-httpx
    "python/",
    "aiohttp",
    "go-http-client",
    "java/",
    "okhttp",
    "apache-httpclient",
    "axios/",
    "node-fetch",
    "undici",
    "httpie",
    "postman",
    "insomnia",
    "ruby",
    "php/",
    "monitor",  // uptime monitors, Pingdom's "monitoring"
    "feedfetcher",
};

/// True when `user_agent` is a potential bot by the rule above. Reads each
/// byte once or twice; no allocation.
bool is_potential_bot(std::string_view user_agent);

}  // namespace linkly
