// The potential-bot rule: crawlers, previewers and HTTP tools by their
// User-Agent, browsers not.

#include "schemas/bot_patterns.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly {
namespace {

TEST(BotPatterns, CrawlersToolsAndPreviewersArePotentialBots) {
  for (const char* ua : {
           "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
           "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
           "Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)",
           "Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)",
           "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
           "Twitterbot/1.0",
           "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
           "WhatsApp/2.23.20.0",
           "TelegramBot (like TwitterBot)",
           "curl/8.5.0",
           "Wget/1.21.3",
           "python-requests/2.31.0",
           "Python-urllib/3.11",
           "Go-http-client/1.1",
           "okhttp/4.12.0",
           "Apache-HttpClient/4.5.14 (Java/17.0.9)",
           "axios/1.6.2",
           "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
           "PostmanRuntime/7.36.0",
           "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "HeadlessChrome/120.0.0.0 Safari/537.36",
           "CCBot/2.0 (https://commoncrawl.org/faq/)",
           "UptimeRobot/2.0; http://www.uptimerobot.com/",
           "GOOGLEBOT",  // case does not matter
       }) {
    EXPECT_TRUE(is_potential_bot(ua)) << ua;
  }
}

// Every browser sends a User-Agent; an empty one is a script's.
TEST(BotPatterns, AnEmptyUserAgentIsAPotentialBot) {
  EXPECT_TRUE(is_potential_bot(""));
}

TEST(BotPatterns, BrowsersAreNot) {
  for (const char* ua : {
           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
           "Gecko) Version/17.1 Safari/605.1.15",
           "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
           "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
           "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
           "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Mobile Safari/537.36",
           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
           "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
           "Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
           "SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36",
       }) {
    EXPECT_FALSE(is_potential_bot(ua)) << ua;
  }
}

TEST(BotPatterns, APatternAtTheVeryEndOrCutShortCounts) {
  EXPECT_TRUE(is_potential_bot("x bot"));
  EXPECT_FALSE(is_potential_bot("x bo"));
  EXPECT_FALSE(is_potential_bot("b"));
}

TEST(BotPatterns, EveryPatternMatchesItself) {
  for (std::string_view p : kBotPatterns) {
    EXPECT_TRUE(is_potential_bot(std::string("Mozilla ") + std::string(p))) << p;
  }
}

}  // namespace
}  // namespace linkly
