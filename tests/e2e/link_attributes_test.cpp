// The link attributes against the real binary: set on create, patched by
// PUT, cleared with null, kept across a restart; the redirect's validity
// window, visit limit and query forwarding; /robots.txt; a deleted code
// created again; and bad input to every field refused with nothing stored.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

using linkly::testing::eventually;

// How long analytics may take to apply a click a redirect recorded: far
// beyond what a healthy server needs (milliseconds), so a failure is a bug.
constexpr std::chrono::milliseconds kClicksApplied{10'000};

std::uint64_t clicks_of(http_client& client, const std::string& code) {
  http_response res = client.get("/links/" + code);
  if (res.status != 200) return 0;
  boost::json::object body = json_object(res);
  const boost::json::value* clicks = body.if_contains("clicks");
  return clicks != nullptr && clicks->is_number() ? clicks->to_number<std::uint64_t>() : 0;
}

class LinkAttributesTest : public ::testing::Test {
 protected:
  temp_dir data_;
};

TEST_F(LinkAttributesTest, CreatePatchAndClearKeepAcrossRestart) {
  {
    server_process server(data_.path());
    http_client client(server.port());
    http_response created = client.post(
        "/links", R"({"url":"https://example.com/a","code":"attrs","title":"Sale",)"
                  R"("tags":["b","a"],"valid_until":"2999-01-01T01:00:00+01:00","max_visits":50,)"
                  R"("forward_query":false,"crawlable":true})");
    ASSERT_EQ(created.status, 201) << created.describe();
    boost::json::object body = json_object(created);
    EXPECT_EQ(body["title"], "Sale");
    EXPECT_EQ(boost::json::serialize(body["tags"]), R"(["a","b"])");
    EXPECT_EQ(body["valid_until"], "2999-01-01T00:00:00.000Z");
    EXPECT_TRUE(body["valid_since"].is_null());
    EXPECT_EQ(body["max_visits"], 50);
    EXPECT_EQ(body["forward_query"], false);
    EXPECT_EQ(body["crawlable"], true);

    // A patch: absent unchanged, null cleared; the answer is GET's object.
    http_response patched =
        client.put("/links/attrs", R"({"title":null,"max_visits":null,"tags":["c"]})");
    ASSERT_EQ(patched.status, 200) << patched.describe();
    body = json_object(patched);
    EXPECT_EQ(body["url"], "https://example.com/a");
    EXPECT_EQ(body["version"], 2);
    EXPECT_TRUE(body["title"].is_null());
    EXPECT_TRUE(body["max_visits"].is_null());
    EXPECT_EQ(boost::json::serialize(body["tags"]), R"(["c"])");
    EXPECT_EQ(body["valid_until"], "2999-01-01T00:00:00.000Z");
    EXPECT_EQ(body["crawlable"], true);
    EXPECT_EQ(client.get("/links/attrs").body.substr(0, 20), patched.body.substr(0, 20));

    // The tag filter, and a plain link that has no tags.
    ASSERT_EQ(create_link(client, "https://example.com/plain", "plain").status, 201);
    http_response tagged = client.get("/links?tag=c");
    ASSERT_EQ(tagged.status, 200) << tagged.describe();
    boost::json::array links = json_object(tagged)["links"].as_array();
    ASSERT_EQ(links.size(), 1u) << tagged.body;
    EXPECT_EQ(links[0].as_object().at("code"), "attrs");
    EXPECT_EQ(json_object(client.get("/links?tag=c&tag=zzz"))["links"].as_array().size(), 0u);
    EXPECT_EQ(client.get("/links?tag=").status, 400);

    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  server_process server(data_.path());
  http_client client(server.port());
  http_response after = client.get("/links/attrs");
  ASSERT_EQ(after.status, 200) << after.describe();
  boost::json::object body = json_object(after);
  EXPECT_TRUE(body["title"].is_null());
  EXPECT_EQ(boost::json::serialize(body["tags"]), R"(["c"])");
  EXPECT_EQ(body["valid_until"], "2999-01-01T00:00:00.000Z");
  EXPECT_EQ(body["forward_query"], false);
  EXPECT_EQ(body["crawlable"], true);
  EXPECT_EQ(body["version"], 2);
}

TEST_F(LinkAttributesTest, ExpiredAndNotYetValidLinksAre404OrTheFallbackWithNoClick) {
  server_options options;
  options.env = {{"LINKLY_UNAVAILABLE_REDIRECT_URL", "https://example.com/sorry"}};
  server_process server(data_.path(), options);
  http_client client(server.port());
  ASSERT_EQ(client
                .post("/links", R"({"url":"https://example.com/x","code":"old",)"
                                R"("valid_until":"2000-01-01T00:00:00Z"})")
                .status,
            201);
  ASSERT_EQ(client
                .post("/links", R"({"url":"https://example.com/x","code":"soon",)"
                                R"("valid_since":"2999-01-01T00:00:00Z"})")
                .status,
            201);
  for (const char* code : {"old", "soon"}) {
    http_response res = client.get(std::string("/s/") + code);
    EXPECT_EQ(res.status, 302) << res.describe();
    EXPECT_EQ(res.header("Location"), "https://example.com/sorry");
  }
  // Valid again once the window is cleared.
  ASSERT_EQ(client.put("/links/old", R"({"valid_until":null})").status, 200);
  EXPECT_EQ(client.get("/s/old").header("Location"), "https://example.com/x");
  ASSERT_TRUE(eventually([&] { return clicks_of(client, "old") == 1; }, kClicksApplied));
  EXPECT_EQ(clicks_of(client, "soon"), 0u) << "an unavailable link records no click";
}

TEST_F(LinkAttributesTest, ExpiredLinkIs404WithoutTheSetting) {
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_EQ(client
                .post("/links", R"({"url":"https://example.com/x","code":"old",)"
                                R"("valid_until":"2000-01-01T00:00:00Z"})")
                .status,
            201);
  http_response res = client.get("/s/old");
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(error_message(res), "link not found");
}

TEST_F(LinkAttributesTest, MaxVisitsReachedAfterNClicksAndStillAfterRestart) {
  constexpr int kMax = 3;
  {
    server_process server(data_.path());
    http_client client(server.port());
    ASSERT_EQ(client
                  .post("/links", R"({"url":"https://example.com/m","code":"limited",)"
                                  R"("max_visits":3})")
                  .status,
              201);
    for (int i = 0; i < kMax; ++i) {
      ASSERT_EQ(client.get("/s/limited").status, 302) << i;
      // Each visit counted before the next: the limit reads applied clicks.
      ASSERT_TRUE(eventually([&] { return clicks_of(client, "limited") == std::uint64_t(i + 1); },
                             kClicksApplied))
          << i;
    }
    EXPECT_EQ(client.get("/s/limited").status, 404);
    EXPECT_EQ(clicks_of(client, "limited"), std::uint64_t(kMax));
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_TRUE(eventually([&] { return clicks_of(client, "limited") == std::uint64_t(kMax); },
                         kClicksApplied));
  EXPECT_EQ(client.get("/s/limited").status, 404);
  // Raising the limit opens it again.
  ASSERT_EQ(client.put("/links/limited", R"({"max_visits":10})").status, 200);
  EXPECT_EQ(client.get("/s/limited").status, 302);
}

TEST_F(LinkAttributesTest, QueryIsForwardedUnlessTurnedOff) {
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/p?a=1#frag", "fwd").status, 201);
  ASSERT_EQ(client
                .post("/links", R"({"url":"https://example.com/p","code":"nofwd",)"
                                R"("forward_query":false})")
                .status,
            201);
  EXPECT_EQ(client.get("/s/fwd?utm=x&b=2").header("Location"),
            "https://example.com/p?a=1&utm=x&b=2#frag");
  EXPECT_EQ(client.get("/fwd").header("Location"), "https://example.com/p?a=1#frag");
  EXPECT_EQ(client.get("/s/nofwd?utm=x").header("Location"), "https://example.com/p");
}

TEST_F(LinkAttributesTest, RobotsTxtAllowsOnlyCrawlableLiveLinks) {
  server_options options;
  options.env = {{"LINKLY_TOKEN", "robots-test-token-0123456789"}};
  server_process server(data_.path(), options);
  http_client client(server.port());
  const header_list auth = {{"Authorization", "Bearer robots-test-token-0123456789"}};
  auto create = [&](const std::string& body) {
    return client.request("POST", "/links", body, auth).status;
  };
  ASSERT_EQ(create(R"({"url":"https://example.com/1","code":"crawl","crawlable":true})"), 201);
  ASSERT_EQ(create(R"({"url":"https://example.com/2","code":"hidden"})"), 201);
  ASSERT_EQ(create(R"({"url":"https://example.com/3","code":"gone","crawlable":true})"), 201);
  ASSERT_EQ(client.request("DELETE", "/links/gone", {}, auth).status, 204);
  http_response robots = client.get("/robots.txt");  // public: no token
  ASSERT_EQ(robots.status, 200) << robots.describe();
  EXPECT_NE(robots.header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_EQ(robots.body, "User-agent: *\nAllow: /s/crawl\nAllow: /crawl\nDisallow: /\n");
}

TEST_F(LinkAttributesTest, RecreatedCodeStartsANewIncarnationWithHistoryOfBoth) {
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/first", "again").status, 201);
  ASSERT_EQ(client.get("/s/again").status, 302);
  ASSERT_EQ(client.del("/links/again").status, 204);
  EXPECT_EQ(client.get("/s/again").status, 404);
  http_response second = client.post(
      "/links", R"({"url":"https://example.com/second","code":"again","title":"Second"})");
  ASSERT_EQ(second.status, 201) << second.describe();
  EXPECT_EQ(create_link(client, "https://example.com/third", "again").status, 409);
  EXPECT_EQ(client.get("/s/again").header("Location"), "https://example.com/second");
  http_response link = client.get("/links/again");
  ASSERT_EQ(link.status, 200);
  EXPECT_EQ(json_object(link)["version"], 1);
  EXPECT_EQ(json_object(link)["title"], "Second");

  http_response history = client.get("/links/again/history");
  ASSERT_EQ(history.status, 200) << history.describe();
  const boost::json::object history_body = json_object(history);
  const boost::json::array& events = history_body.at("events").as_array();
  std::vector<std::string> types;
  for (const auto& e : events) types.emplace_back(e.as_object().at("type").as_string());
  ASSERT_EQ(types, (std::vector<std::string>{"LinkCreated", "LinkDeleted", "LinkCreated"}));
  // as_of the first life still reads it.
  const std::uint64_t first_seq = events[0].as_object().at("seq").to_number<std::uint64_t>();
  http_response then = client.get("/links/again?as_of=" + std::to_string(first_seq));
  ASSERT_EQ(then.status, 200) << then.describe();
  EXPECT_EQ(json_object(then)["url"], "https://example.com/first");
}

TEST_F(LinkAttributesTest, BadInputToEveryFieldIs400NamingItAndStoresNothing) {
  server_process server(data_.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/k", "kept").status, 201);
  const std::pair<std::string, std::string> bad[] = {
      {R"("title":7)", "title"},
      {R"("title":")" + std::string(600, 'x') + "\"", "title"},
      {R"("tags":"a")", "tags"},
      {R"("tags":[""])", "tags"},
      {R"("tags":[3])", "tags"},
      {R"("valid_since":"yesterday")", "valid_since"},
      {R"("valid_until":"2026-13-01T00:00:00Z")", "valid_until"},
      {R"("max_visits":0)", "max_visits"},
      {R"("max_visits":"5")", "max_visits"},
      {R"("forward_query":1)", "forward_query"},
      {R"("crawlable":"yes")", "crawlable"},
      {R"("valid_since":"2030-01-02T00:00:00Z","valid_until":"2030-01-01T00:00:00Z")",
       "valid_since"},
  };
  for (const auto& [field, name] : bad) {
    SCOPED_TRACE(field);
    http_response created =
        client.post("/links", R"({"url":"https://example.com/n","code":"new1",)" + field + "}");
    EXPECT_EQ(created.status, 400) << created.describe();
    auto error = error_message(created);
    ASSERT_TRUE(error.has_value()) << created.body;
    EXPECT_NE(error->find(name), std::string::npos) << *error;
    http_response patched = client.put("/links/kept", "{" + field + "}");
    EXPECT_EQ(patched.status, 400) << patched.describe();
  }
  EXPECT_EQ(client.put("/links/kept", "{}").status, 400);
  // A window made backwards by a patch of one end is refused too.
  ASSERT_EQ(client.put("/links/kept", R"({"valid_until":"2030-01-01T00:00:00Z"})").status, 200);
  http_response backwards = client.put("/links/kept", R"({"valid_since":"2031-01-01T00:00:00Z"})");
  EXPECT_EQ(backwards.status, 400) << backwards.describe();
  EXPECT_EQ(client.get("/links/new1").status, 404);
  boost::json::object now = json_object(client.get("/links/kept"));
  EXPECT_EQ(now["version"], 2) << "only the one good patch was stored";
  EXPECT_TRUE(now["valid_since"].is_null());
}

}  // namespace
}  // namespace linkly::e2e
