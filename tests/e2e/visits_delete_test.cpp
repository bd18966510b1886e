// Deleting visits against a real `linkly serve`: a link's visits go (its
// count is 0 as soon as the DELETE answers), a click after it counts 1,
// max_visits counts from zero again, and all of it survives a graceful
// restart, a crash and an offline rebuild (`replay --verify` agrees).
// Shlink's forms answer {"deletedVisits": N}, its problems for an unknown
// code and a missing key; orphan visits are deleted apart.

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace linkly::e2e {
namespace {

using linkly::testing::eventually;

// Analytics follows the clicks log asynchronously: a click is counted
// within this (milliseconds on an idle machine).
constexpr std::chrono::milliseconds kClicksApplied{10'000};
constexpr std::chrono::milliseconds kHttpPoll{20};

const std::string kKey = "visits-delete-e2e-key-7f3a";

std::uint64_t total_of(http_client& client, const std::string& code) {
  return number(json_object(client.get("/links/" + code + "/stats")), "total");
}

bool counted(http_client& client, const std::string& code, std::uint64_t n) {
  return eventually([&] { return total_of(client, code) == n; }, kClicksApplied, kHttpPoll);
}

TEST(VisitsDeleteTest, DeletedVisitsStayDeletedAndLaterClicksCountAfresh) {
  temp_dir data;
  {
    server_process server(data.path());
    http_client client(server.port());
    ASSERT_EQ(client
                  .post("/links", R"({"url":"https://example.com/d","code":"gone",)"
                                  R"("max_visits":2})")
                  .status,
              201);
    ASSERT_EQ(create_link(client, "https://example.com/k", "kept").status, 201);
    ASSERT_EQ(client.get("/s/gone").status, 302);
    ASSERT_TRUE(counted(client, "gone", 1));
    ASSERT_EQ(client.get("/s/gone").status, 302);
    ASSERT_EQ(client.get("/s/kept").status, 302);
    ASSERT_TRUE(counted(client, "gone", 2));
    ASSERT_TRUE(counted(client, "kept", 1));
    EXPECT_EQ(client.get("/s/gone").status, 404) << "max_visits reached";

    http_response res = client.del("/links/gone/visits");
    ASSERT_EQ(res.status, 200) << res.describe();
    auto body = json_object(res);
    EXPECT_EQ(body["code"], "gone") << res.describe();
    EXPECT_EQ(number(body, "deleted_visits"), 2u) << res.describe();
    // Applied before the answer: no wait needed to read it.
    EXPECT_EQ(total_of(client, "gone"), 0u);
    EXPECT_EQ(number(json_object(client.get("/links/gone/visits")), "total"), 0u);
    EXPECT_EQ(total_of(client, "kept"), 1u) << "another link keeps its visits";

    // max_visits counts from zero again; the click after the deletion counts.
    ASSERT_EQ(client.get("/s/gone").status, 302);
    ASSERT_TRUE(counted(client, "gone", 1));
    auto visits = json_object(client.get("/links/gone/visits"));
    EXPECT_EQ(number(visits, "total"), 1u);
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  {
    // Graceful restart: from the snapshot.
    server_process server(data.path());
    http_client client(server.port());
    EXPECT_TRUE(counted(client, "gone", 1));
    EXPECT_TRUE(counted(client, "kept", 1));
    ASSERT_EQ(client.get("/s/gone").status, 302);
    ASSERT_TRUE(counted(client, "gone", 2));
    EXPECT_EQ(client.get("/s/gone").status, 404) << "the limit holds after the restart";
    server.kill9();
  }
  {
    // After a crash: snapshot and the log's tail.
    server_process server(data.path());
    http_client client(server.port());
    EXPECT_TRUE(counted(client, "gone", 2));
    EXPECT_TRUE(counted(client, "kept", 1));
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  cli_result verify = run_linkly({"--data", data.path(), "replay", "--verify"});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  cli_result rebuild = run_linkly({"--data", data.path(), "replay", "--projection", "analytics"});
  ASSERT_EQ(rebuild.exit_code(), 0) << rebuild.describe();
  cli_result dump = run_linkly({"--data", data.path(), "log", "dump", "clicks"});
  EXPECT_NE(dump.out.find(R"("type":"VisitsDeleted")"), std::string::npos) << dump.describe();
  server_process server(data.path());
  http_client client(server.port());
  EXPECT_TRUE(counted(client, "gone", 2)) << "a rebuild from the logs agrees";
  EXPECT_EQ(total_of(client, "kept"), 1u);
}

TEST(VisitsDeleteTest, ShlinkFormsAndOrphanVisits) {
  temp_dir data;
  server_options options;
  options.env = {{"LINKLY_TOKEN", kKey}};
  server_process server(data.path(), options);
  http_client client(server.port());
  const header_list key{{"X-Api-Key", kKey}};
  const header_list bearer{{"Authorization", "Bearer " + kKey}};
  ASSERT_EQ(client
                .request("POST", "/rest/v3/short-urls",
                         R"({"longUrl":"https://example.com/s","customSlug":"shl"})", key)
                .status,
            200);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(client.get("/s/shl").status, 302);
  ASSERT_EQ(client.get("/s/no-such-code").status, 404);
  ASSERT_TRUE(eventually(
      [&] {
        auto v = json_object(client.request("GET", "/visits", {}, bearer));
        return v.contains("visits") && number(v["visits"].as_object(), "total") == 3 &&
               number(v["orphan_visits"].as_object(), "total") == 1;
      },
      kClicksApplied, kHttpPoll));

  http_response res = client.del("/rest/v3/short-urls/shl/visits");
  EXPECT_EQ(res.status, 401) << res.describe();
  EXPECT_EQ(json_object(res)["type"], "https://shlink.io/api/error/missing-authentication");
  res = client.del("/links/shl/visits");
  EXPECT_EQ(res.status, 401) << res.describe();

  res = client.request("DELETE", "/rest/v3/short-urls/nope/visits", {}, key);
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_EQ(res.header("content-type"), "application/problem+json");
  EXPECT_EQ(json_object(res)["type"], "https://shlink.io/api/error/short-url-not-found");
  EXPECT_EQ(json_object(res)["shortCode"], "nope");
  res = client.request("DELETE", "/links/nope/visits", {}, bearer);
  EXPECT_EQ(res.status, 404) << res.describe();
  EXPECT_TRUE(error_message(res).has_value()) << res.describe();

  res = client.request("DELETE", "/rest/v3/short-urls/shl/visits", {}, key);
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(res.body, R"({"deletedVisits":3})");
  auto got = json_object(client.request("GET", "/rest/v3/short-urls/shl", {}, key));
  EXPECT_EQ(number(got["visitsSummary"].as_object(), "total"), 0u) << "read after the answer";

  res = client.request("DELETE", "/rest/v3/visits/orphan", {}, key);
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(res.body, R"({"deletedVisits":1})");
  res = client.request("DELETE", "/visits/orphan", {}, bearer);
  ASSERT_EQ(res.status, 200) << res.describe();
  EXPECT_EQ(number(json_object(res), "deleted_visits"), 0u);
  auto overview = json_object(client.request("GET", "/rest/v3/visits", {}, key));
  auto visits = overview["visits"].as_object();
  EXPECT_EQ(number(visits["nonOrphanVisits"].as_object(), "total"), 0u);
  EXPECT_EQ(number(visits["orphanVisits"].as_object(), "total"), 0u);
  ASSERT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
