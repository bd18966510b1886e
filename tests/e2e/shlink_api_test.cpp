// The Shlink API's wire rules against a real `linkly serve`, one raw request
// per row: X-Api-Key (missing, wrong), problem+json errors with Shlink's
// types and extra fields, a JSON body read whatever its Content-Type, '+'
// in a query as a space, "//rest/...", a JSON 404 for an unknown /rest
// path, CORS (preflight and headers) on /rest and only there. The object
// shapes are the SDK test's (tests/shlink/sdk_test.mjs).

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

const std::string kKey = "shlink-e2e-key-5c1e9a7d3b";
const std::string kProblemBase = "https://shlink.io/api/error/";

server_options with_key() {
  server_options o;
  o.env = {{"LINKLY_TOKEN", kKey}};
  return o;
}

header_list keyed(header_list more = {}) {
  more.emplace_back("X-Api-Key", kKey);
  return more;
}

struct wire_case {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  header_list headers;
  int status;
  /// Set: a problem of this type ("invalid-data"); unset: a success.
  std::optional<std::string> problem;
  /// For invalid-data: the invalidElements expected, in order.
  std::vector<std::string> invalid = {};
  /// A member of the answer and its expected value (serialized JSON).
  std::string member = {};
  std::string member_json = {};
};

class ShlinkWire : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.emplace(data_.path(), with_key());
    client_.emplace(server_->port());
    auto created =
        client_->request("POST", "/rest/v3/short-urls",
                         R"({"longUrl":"https://example.com/a+b","customSlug":"tbl"})", keyed());
    ASSERT_EQ(created.status, 200) << created.describe();
    created_body_ = created.body;
  }
  void TearDown() override {
    client_.reset();
    if (server_) EXPECT_TRUE(server_->stop().success()) << server_->output_text();
  }

  void check(const wire_case& c) {
    SCOPED_TRACE(c.name + ": " + c.method + " " + c.target);
    auto res = client_->request(c.method, c.target, c.body, c.headers);
    ASSERT_EQ(res.status, c.status) << res.describe();
    // Every /rest answer carries CORS, errors included.
    EXPECT_EQ(res.header("Access-Control-Allow-Origin"), "*") << res.describe();
    if (c.status == 204) {
      EXPECT_TRUE(res.body.empty()) << res.describe();
      return;
    }
    boost::json::value json = res.json();
    ASSERT_TRUE(json.is_object()) << "never an empty or non-JSON body: " << res.describe();
    const boost::json::object& body = json.get_object();
    if (c.problem) {
      EXPECT_EQ(res.header("Content-Type"), "application/problem+json");
      EXPECT_EQ(body.at("type"), boost::json::value(kProblemBase + *c.problem)) << res.body;
      EXPECT_EQ(body.at("status"), boost::json::value(c.status)) << res.body;
      EXPECT_TRUE(body.at("title").is_string()) << res.body;
      EXPECT_TRUE(body.at("detail").is_string()) << res.body;
      if (!c.invalid.empty()) {
        boost::json::array names;
        for (const auto& n : c.invalid) names.emplace_back(n);
        EXPECT_EQ(body.at("invalidElements"), boost::json::value(names)) << res.body;
      }
    }
    if (!c.member.empty()) {
      const boost::json::value* v = body.if_contains(c.member);
      ASSERT_NE(v, nullptr) << res.body;
      EXPECT_EQ(boost::json::serialize(*v), c.member_json) << res.body;
    }
  }

  temp_dir data_{"linkly-shlink-e2e-"};
  std::optional<server_process> server_;
  std::optional<http_client> client_;
  std::string created_body_;
};

TEST_F(ShlinkWire, RawRequestTable) {
  const header_list as_text = keyed({{"Content-Type", "text/plain"}});
  const std::vector<wire_case> cases = {
      {"no key", "GET", "/rest/v3/short-urls", "", {}, 401, "missing-authentication"},
      {"empty key", "GET", "/rest/v3/tags", "", {{"X-Api-Key", ""}}, 401, "missing-authentication"},
      {"wrong key",
       "GET",
       "/rest/v3/short-urls",
       "",
       {{"X-Api-Key", "nope-nope-nope-nope"}},
       401,
       "invalid-api-key"},
      {"wrong key on a write: refused before the body",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://example.com/w"})",
       {{"X-Api-Key", "nope-nope-nope-nope"}},
       401,
       "invalid-api-key"},
      {"a Bearer key is a key here too",
       "GET",
       "/rest/v3/short-urls",
       "",
       {{"Authorization", "Bearer " + kKey}},
       200},
      {"a wrong Bearer key",
       "GET",
       "/rest/v3/short-urls",
       "",
       {{"Authorization", "Bearer nope"}},
       401,
       "invalid-api-key"},
      {"health needs no key",
       "GET",
       "/rest/health",
       "",
       {},
       200,
       std::nullopt,
       {},
       "status",
       R"("pass")"},
      {"versioned health too",
       "GET",
       "/rest/v3/health",
       "",
       {},
       200,
       std::nullopt,
       {},
       "status",
       R"("pass")"},
      {"JSON body under text/plain",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://example.com/plain","customSlug":"plain"})",
       as_text,
       200,
       std::nullopt,
       {},
       "shortCode",
       R"("plain")"},
      {"JSON body under a form type",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://example.com/form"})",
       keyed({{"Content-Type", "application/x-www-form-urlencoded"}}),
       200,
       std::nullopt,
       {},
       "longUrl",
       R"("https://example.com/form")"},
      {"body not JSON", "POST", "/rest/v3/short-urls", "{nope", keyed(), 400,
       "malformed-request-body"},
      {"no longUrl",
       "POST",
       "/rest/v3/short-urls",
       "{}",
       keyed(),
       400,
       "invalid-data",
       {"longUrl"}},
      {"several bad fields",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"ftp://x","maxVisits":0,"validSince":"yesterday","crawlable":"yes"})",
       keyed(),
       400,
       "invalid-data",
       {"longUrl", "validSince", "maxVisits", "crawlable"}},
      {"validSince after validUntil",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://e.com","validSince":"2030-01-02T00:00:00Z",)"
       R"("validUntil":"2030-01-01T00:00:00+00:00"})",
       keyed(),
       400,
       "invalid-data",
       {"validSince", "validUntil"}},
      {"shortCodeLength below Shlink's 4",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://e.com","shortCodeLength":3})",
       keyed(),
       400,
       "invalid-data",
       {"shortCodeLength"}},
      {"taken slug",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://example.com/x","customSlug":"tbl"})",
       keyed(),
       400,
       "non-unique-slug",
       {},
       "customSlug",
       R"("tbl")"},
      {"findIfExists answers the link there is",
       "POST",
       "/rest/v3/short-urls",
       R"({"longUrl":"https://example.com/a+b","findIfExists":true})",
       keyed(),
       200,
       std::nullopt,
       {},
       "shortCode",
       R"("tbl")"},
      {"'//rest' is /rest",
       "GET",
       "//rest/v3/short-urls/tbl",
       "",
       keyed(),
       200,
       std::nullopt,
       {},
       "shortCode",
       R"("tbl")"},
      {"'+' is a space: 'a+b' searches \"a b\"",
       "GET",
       "/rest/v3/short-urls?searchTerm=a+b",
       "",
       keyed(),
       200,
       std::nullopt,
       {},
       "shortUrls",
       R"({"data":[],"pagination":{"currentPage":1,"pagesCount":1,"itemsPerPage":10,)"
       R"("itemsInCurrentPage":0,"totalItems":0}})"},
      {"a bad order and mode",
       "GET",
       "/rest/v3/short-urls?orderBy=nope-ASC&tagsMode=some",
       "",
       keyed(),
       400,
       "invalid-data",
       {"orderBy", "tagsMode"}},
      {"a bad page",
       "GET",
       "/rest/v3/short-urls?page=0&itemsPerPage=x",
       "",
       keyed(),
       400,
       "invalid-data",
       {"page", "itemsPerPage"}},
      {"unknown code",
       "GET",
       "/rest/v3/short-urls/nope",
       "",
       keyed(),
       404,
       "short-url-not-found",
       {},
       "shortCode",
       R"("nope")"},
      {"edit of an unknown code", "PATCH", "/rest/v3/short-urls/nope", R"({"title":"x"})", keyed(),
       404, "short-url-not-found"},
      {"edit with a bad field",
       "PATCH",
       "/rest/v3/short-urls/tbl",
       R"({"maxVisits":"ten"})",
       keyed(),
       400,
       "invalid-data",
       {"maxVisits"}},
      {"edit under text/plain",
       "PATCH",
       "/rest/v3/short-urls/tbl",
       R"({"longUrl":"https://example.org/edited"})",
       as_text,
       200,
       std::nullopt,
       {},
       "longUrl",
       R"("https://example.org/edited")"},
      {"delete of an unknown code", "DELETE", "/rest/v3/short-urls/nope", "", keyed(), 404,
       "short-url-not-found"},
      {"rename of an unknown tag",
       "PUT",
       "/rest/v3/tags",
       R"({"oldName":"x1","newName":"x2"})",
       keyed(),
       404,
       "tag-not-found",
       {},
       "tag",
       R"("x1")"},
      {"rename without names",
       "PUT",
       "/rest/v3/tags",
       R"({"oldName":""})",
       keyed(),
       400,
       "invalid-data",
       {"oldName", "newName"}},
      {"redirect rules: none",
       "GET",
       "/rest/v3/short-urls/tbl/redirect-rules",
       "",
       keyed(),
       200,
       std::nullopt,
       {},
       "redirectRules",
       "[]"},
      {"redirect rules cannot be set", "POST", "/rest/v3/short-urls/tbl/redirect-rules",
       R"({"redirectRules":[]})", keyed(), 405, std::nullopt},
      {"redirect rules of an unknown code", "GET", "/rest/v3/short-urls/nope/redirect-rules", "",
       keyed(), 404, "short-url-not-found"},
      {"mercure", "GET", "/rest/v3/mercure-info", "", keyed(), 501, "mercure-not-configured"},
      {"unknown path under /rest: a JSON 404", "GET", "/rest/v3/nothing-here", "", keyed(), 404,
       "not-found"},
      {"/rest itself", "GET", "/rest", "", keyed(), 404, "not-found"},
      {"an unknown API version", "GET", "/rest/v9/short-urls", "", keyed(), 404, "not-found"},
      {"domains: the one default", "GET", "/rest/v3/domains", "", keyed(), 200},
      {"tags by an unknown order",
       "GET",
       "/rest/v3/tags/stats?orderBy=size-ASC&page=x",
       "",
       keyed(),
       400,
       "invalid-data",
       {"page", "orderBy"}},
      {"a tags list", "GET", "/rest/v3/tags?tags[]=a&tags[]=b", "", keyed(), 200},
      {"delete tags nobody carries", "DELETE", "/rest/v3/tags?tags[]=x&tags[]=y", "", keyed(), 204},
      {"visits of an unknown code",
       "GET",
       "/rest/v3/short-urls/nope/visits",
       "",
       keyed(),
       404,
       "short-url-not-found",
       {},
       "shortCode",
       R"("nope")"},
      {"visits: bad page, size and dates",
       "GET",
       "/rest/v3/short-urls/tbl/visits?page=0&itemsPerPage=x&startDate=soon&endDate=later",
       "",
       keyed(),
       400,
       "invalid-data",
       {"page", "itemsPerPage", "startDate", "endDate"}},
      {"visits: start after end",
       "GET",
       "/rest/v3/visits/non-orphan?startDate=2030-01-02&endDate=2030-01-01",
       "",
       keyed(),
       400,
       "invalid-data",
       {"startDate"}},
      {"orphan visits of an unknown type",
       "GET",
       "/rest/v3/visits/orphan?type=lost",
       "",
       keyed(),
       400,
       "invalid-data",
       {"type"}},
      {"visits of an unknown tag",
       "GET",
       "/rest/v3/tags/never-used/visits",
       "",
       keyed(),
       404,
       "tag-not-found",
       {},
       "tag",
       R"("never-used")"},
      {"visits of another domain", "GET", "/rest/v3/domains/elsewhere.test/visits", "", keyed(),
       404, "domain-not-found"},
      {"visits of an unknown code are not deleted",
       "DELETE",
       "/rest/v3/short-urls/nope/visits",
       "",
       keyed(),
       404,
       "short-url-not-found",
       {},
       "shortCode",
       R"("nope")"},
      {"orphan visits are deleted", "DELETE", "/rest/v3/visits/orphan", "", keyed(), 200},
      {"the overview takes no writes", "POST", "/rest/v3/visits", "{}", keyed(), 405, std::nullopt},
      {"delete", "DELETE", "/rest/v3/short-urls/plain", "", keyed(), 204},
      {"get after delete", "GET", "/rest/v3/short-urls/plain", "", keyed(), 404,
       "short-url-not-found"},
  };
  for (const wire_case& c : cases) check(c);
  // The method a resource does not answer: 405 with Allow, still a problem.
  auto res = client_->request("PUT", "/rest/v3/short-urls", "{}", keyed());
  EXPECT_EQ(res.status, 405) << res.describe();
  EXPECT_EQ(res.header("Allow"), "GET, POST");
  EXPECT_EQ(res.header("Content-Type"), "application/problem+json");
}

TEST_F(ShlinkWire, ListItemGetAndCreateAreByteIdentical) {
  auto got = client_->request("GET", "/rest/v3/short-urls/tbl", "", keyed());
  ASSERT_EQ(got.status, 200) << got.describe();
  EXPECT_EQ(got.body, created_body_);
  // The literal '+' (%2B) finds the link whose URL has one.
  auto list = client_->request("GET", "/rest/v3/short-urls?searchTerm=a%2Bb", "", keyed());
  ASSERT_EQ(list.status, 200) << list.describe();
  boost::json::value json = list.json();
  const auto& data = json.at("shortUrls").at("data").as_array();
  ASSERT_EQ(data.size(), 1u) << list.body;
  EXPECT_EQ(boost::json::serialize(data[0]), created_body_);
}

// The member names of `o`, in order.
std::vector<std::string> members(const boost::json::value& o) {
  std::vector<std::string> out;
  for (const auto& m : o.as_object()) out.emplace_back(m.key());
  return out;
}

TEST_F(ShlinkWire, VisitShapes) {
  using namespace std::chrono_literals;
  const header_list browser = {{"User-Agent", "Mozilla/5.0 (X11; Linux x86_64) e2e"},
                               {"Referer", "https://ref.example/page"},
                               {"CF-IPCountry", "fr"}};
  ASSERT_EQ(client_->request("GET", "/s/tbl", "", browser).status, 302);
  ASSERT_EQ(client_->request("GET", "/tbl", "", {{"User-Agent", "Googlebot/2.1"}}).status, 302);
  ASSERT_EQ(
      client_->request("GET", "/s/missing-code", "", {{"User-Agent", "Mozilla/5.0 e2e"}}).status,
      404);
  // Analytics follows the logs asynchronously: wait for the overview.
  http_response overview;
  linkly::testing::eventually(
      [&] {
        overview = client_->request("GET", "/rest/v3/visits", "", keyed());
        return overview.status == 200 &&
               boost::json::serialize(overview.json()) ==
                   R"({"visits":{"nonOrphanVisits":{"total":2,"nonBots":1,"bots":1},)"
                   R"("orphanVisits":{"total":1,"nonBots":1,"bots":0}}})";
      },
      10s, 20ms);
  ASSERT_EQ(boost::json::serialize(overview.json()),
            R"({"visits":{"nonOrphanVisits":{"total":2,"nonBots":1,"bots":1},)"
            R"("orphanVisits":{"total":1,"nonBots":1,"bots":0}}})")
      << overview.describe();

  const std::vector<std::string> visit_members = {
      "referer", "date", "userAgent", "visitLocation", "potentialBot", "visitedUrl", "redirectUrl"};
  auto list = client_->request("GET", "/rest/v3/short-urls/tbl/visits", "", keyed());
  ASSERT_EQ(list.status, 200) << list.describe();
  boost::json::value json = list.json();
  EXPECT_EQ(members(json), std::vector<std::string>{"visits"});
  EXPECT_EQ(members(json.at("visits")), (std::vector<std::string>{"data", "pagination"}));
  EXPECT_EQ(boost::json::serialize(json.at("visits").at("pagination")),
            R"({"currentPage":1,"pagesCount":1,"itemsPerPage":2,"itemsInCurrentPage":2,)"
            R"("totalItems":2})");
  const auto& data = json.at("visits").at("data").as_array();
  ASSERT_EQ(data.size(), 2u) << list.body;
  // Newest first: the bot, then the browser.
  EXPECT_EQ(members(data[0]), visit_members);
  EXPECT_EQ(data[0].at("potentialBot"), true);
  EXPECT_EQ(data[0].at("referer"), "");
  EXPECT_TRUE(data[0].at("visitLocation").is_null());
  const auto& first = data[1].as_object();
  EXPECT_EQ(members(first), visit_members);
  EXPECT_EQ(first.at("referer"), "https://ref.example/page");
  EXPECT_EQ(first.at("userAgent"), "Mozilla/5.0 (X11; Linux x86_64) e2e");
  EXPECT_EQ(first.at("potentialBot"), false);
  EXPECT_TRUE(first.at("visitedUrl").is_null());
  EXPECT_EQ(first.at("redirectUrl"), "https://example.com/a+b");
  EXPECT_EQ(first.at("date").as_string().size(), std::string("2026-12-05T12:00:00+00:00").size());
  EXPECT_EQ(boost::json::serialize(first.at("visitLocation")),
            R"({"countryCode":"FR","countryName":"","regionName":"","cityName":"",)"
            R"("latitude":0,"longitude":0,"timezone":"","isEmpty":false})");

  // Bots apart, and a page of one.
  auto humans = client_->request(
      "GET", "/rest/v3/short-urls/tbl/visits?excludeBots=true&itemsPerPage=1&page=1", "", keyed());
  ASSERT_EQ(humans.status, 200) << humans.describe();
  EXPECT_EQ(boost::json::serialize(humans.json().at("visits").at("pagination")),
            R"({"currentPage":1,"pagesCount":1,"itemsPerPage":1,"itemsInCurrentPage":1,)"
            R"("totalItems":1})");
  // Every link's visits: the same two.
  auto all =
      client_->request("GET", "/rest/v3/visits/non-orphan?itemsPerPage=1&page=2", "", keyed());
  ASSERT_EQ(all.status, 200) << all.describe();
  boost::json::value all_json = all.json();
  EXPECT_EQ(all_json.at("visits").at("pagination").at("totalItems"), 2);
  EXPECT_EQ(all_json.at("visits").at("pagination").at("pagesCount"), 2);
  EXPECT_EQ(all_json.at("visits").at("data").at(0).at("referer"), "https://ref.example/page");

  // An orphan visit: the same members and its type.
  auto orphans = client_->request("GET", "/rest/v3/visits/orphan", "", keyed());
  ASSERT_EQ(orphans.status, 200) << orphans.describe();
  boost::json::value orphans_json = orphans.json();
  const auto& orphan = orphans_json.at("visits").at("data").at(0);
  std::vector<std::string> orphan_members = visit_members;
  orphan_members.emplace_back("type");
  EXPECT_EQ(members(orphan), orphan_members);
  EXPECT_EQ(orphan.at("type"), "invalid_short_url");
  EXPECT_EQ(orphan.at("visitedUrl"),
            boost::json::value("http://127.0.0.1:" + std::to_string(server_->port()) +
                               "/s/missing-code"));
  EXPECT_TRUE(orphan.at("redirectUrl").is_null());
  auto of_404 = client_->request("GET", "/rest/v3/visits/orphan?type=regular_404", "", keyed());
  ASSERT_EQ(of_404.status, 200) << of_404.describe();
  EXPECT_EQ(of_404.json().at("visits").at("pagination").at("totalItems"), 0);

  // The ShortUrl's visitsSummary counts the same visits.
  auto got = client_->request("GET", "/rest/v3/short-urls/tbl", "", keyed());
  EXPECT_EQ(boost::json::serialize(got.json().at("visitsSummary")),
            R"({"total":2,"nonBots":1,"bots":1})");
}

TEST_F(ShlinkWire, PreflightAndCorsOnlyUnderRest) {
  auto pre = client_->request("OPTIONS", "/rest/v3/short-urls/tbl", "",
                              {{"Origin", "https://app.shlink.io"},
                               {"Access-Control-Request-Method", "PATCH"},
                               {"Access-Control-Request-Headers", "x-api-key,content-type"}});
  EXPECT_EQ(pre.status, 204) << pre.describe();
  EXPECT_EQ(pre.header("Access-Control-Allow-Origin"), "*");
  EXPECT_NE(pre.header("Access-Control-Allow-Methods").find("PATCH"), std::string::npos);
  EXPECT_NE(pre.header("Access-Control-Allow-Headers").find("x-api-key"), std::string::npos);
  // A browser's real request from another origin, with the key: served.
  auto cross = client_->request("PATCH", "/rest/v3/short-urls/tbl", R"({"title":"t"})",
                                keyed({{"Origin", "https://app.shlink.io"}}));
  EXPECT_EQ(cross.status, 200) << cross.describe();
  EXPECT_EQ(cross.header("Access-Control-Allow-Origin"), "*");
  // linkly's own API: no CORS, and its own rules (Bearer, JSON errors).
  auto own = client_->request("GET", "/links", "",
                              {{"Authorization", "Bearer " + kKey}, {"Origin", "https://x.test"}});
  EXPECT_EQ(own.status, 200) << own.describe();
  EXPECT_FALSE(own.has_header("Access-Control-Allow-Origin")) << own.describe();
  auto own_pre = client_->request("OPTIONS", "/links", "", {{"Origin", "https://x.test"}});
  EXPECT_NE(own_pre.status, 204) << own_pre.describe();
  EXPECT_FALSE(own_pre.has_header("Access-Control-Allow-Origin")) << own_pre.describe();
  auto own_unknown = client_->request("GET", "/nope/deeper/still/more", "", {});
  EXPECT_EQ(own_unknown.status, 404);
  EXPECT_EQ(own_unknown.header("Content-Type"), "application/json");
}

TEST(ShlinkWireOpen, WithoutATokenForeignWritesAreRefused) {
  temp_dir data("linkly-shlink-e2e-");
  server_process server(data.path());
  http_client client(server.port());
  // No key configured: the API is open, so another site's page must not write.
  auto foreign = client.request("POST", "/rest/v3/short-urls", R"({"longUrl":"https://e.com"})",
                                {{"Origin", "https://evil.test"}});
  EXPECT_EQ(foreign.status, 403) << foreign.describe();
  EXPECT_EQ(foreign.header("Content-Type"), "application/problem+json");
  auto local = client.request("POST", "/rest/v3/short-urls", R"({"longUrl":"https://e.com"})");
  EXPECT_EQ(local.status, 200) << local.describe();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
