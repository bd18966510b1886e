// API keys against a real `linkly serve`: created with the CLI and over the
// API, used with either header, listed without secrets, revoked (refused at
// once), expired, kept across a restart; the configured token stays the
// key named "default".

#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <chrono>
#include <string>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

const std::string kToken = "e2e-token-7f3a9c1d5b2e8f40";

header_list x_api_key(const std::string& key) {
  return {{"X-Api-Key", key}};
}
header_list bearer(const std::string& key) {
  return {{"Authorization", "Bearer " + key}};
}

std::string server_url(const server_process& server) {
  return "http://127.0.0.1:" + std::to_string(server.port());
}

// `linkly api-key ...` against `server`.
cli_result api_key_cli(const server_process& server, std::vector<std::string> args,
                       const std::string& token = {}) {
  std::vector<std::string> full{"api-key"};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("--server");
  full.push_back(server_url(server));
  if (!token.empty()) {
    full.push_back("--token");
    full.push_back(token);
  }
  return run_linkly(full);
}

std::string iso_in(std::chrono::milliseconds from_now) {
  auto t = std::chrono::system_clock::now() + from_now;
  std::time_t secs = std::chrono::system_clock::to_time_t(t);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}

TEST(ApiKeysE2E, CreateUseListRevokeExpireAndRestart) {
  temp_dir data;
  std::string ci_key, ops_key;
  {
    server_process server(data.path());
    http_client client(server.port());
    // Open until the first key.
    ASSERT_EQ(client.post("/links", R"({"url":"https://example.com/a","code":"demo"})").status,
              201);

    cli_result created = api_key_cli(server, {"create", "ci"});
    ASSERT_EQ(created.exit_code(), 0) << created.describe();
    auto body = boost::json::parse(created.out).as_object();
    EXPECT_EQ(body.at("name"), "ci");
    ci_key = std::string(body.at("key").as_string());
    ASSERT_FALSE(ci_key.empty());

    // From now on a key is needed, in either header.
    http_response none = client.get("/links/demo");
    EXPECT_EQ(none.status, 401) << none.describe();
    EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(ci_key)).status, 200);
    EXPECT_EQ(client.request("GET", "/links/demo", {}, bearer(ci_key)).status, 200);
    EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(ci_key + "0")).status, 401);
    EXPECT_EQ(client.get("/s/demo").status, 302);  // redirects stay public

    cli_result ops = api_key_cli(server, {"create", "ops", "--expires", iso_in(24h)}, ci_key);
    ASSERT_EQ(ops.exit_code(), 0) << ops.describe();
    ops_key = std::string(boost::json::parse(ops.out).at("key").as_string());
    EXPECT_FALSE(boost::json::parse(ops.out).at("expires_at").is_null());

    cli_result list = api_key_cli(server, {"list"}, ops_key);
    ASSERT_EQ(list.exit_code(), 0) << list.describe();
    EXPECT_EQ(list.out.find(ci_key), std::string::npos);
    EXPECT_EQ(list.out.find(ops_key), std::string::npos);
    auto items = boost::json::parse(list.out).at("api_keys").as_array();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].at("name"), "ci");
    EXPECT_EQ(items[1].at("name"), "ops");

    // A key that expires: works, then is refused once its time passes.
    http_response brief = client.request("POST", "/api-keys",
                                         boost::json::serialize(boost::json::object{
                                             {"name", "brief"}, {"expires_at", iso_in(1500ms)}}),
                                         bearer(ci_key));
    ASSERT_EQ(brief.status, 201) << brief.describe();
    std::string brief_key(brief.json().at("key").as_string());
    EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(brief_key)).status, 200);
    EXPECT_TRUE(testing::eventually(
        [&] {
          return client.request("GET", "/links/demo", {}, x_api_key(brief_key)).status == 401;
        },
        10s, 100ms));

    // Revocation: the very next request is refused.
    cli_result revoked = api_key_cli(server, {"revoke", "ci"}, ops_key);
    ASSERT_EQ(revoked.exit_code(), 0) << revoked.describe();
    EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(ci_key)).status, 401);
    EXPECT_EQ(api_key_cli(server, {"list"}, ci_key).exit_code(), 1);
    EXPECT_EQ(api_key_cli(server, {"revoke", "nope"}, ops_key).exit_code(), 1);
    EXPECT_TRUE(server.stop().success()) << server.output_text();
  }
  server_process again(data.path());
  http_client client(again.port());
  EXPECT_EQ(client.get("/links/demo").status, 401);
  EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(ci_key)).status, 401);
  EXPECT_EQ(client.request("GET", "/links/demo", {}, x_api_key(ops_key)).status, 200);
  http_response list = client.request("GET", "/api-keys", {}, bearer(ops_key));
  ASSERT_EQ(list.status, 200) << list.describe();
  auto items = list.json().at("api_keys").as_array();
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].at("revoked"), true);
  EXPECT_EQ(items[1].at("revoked"), false);
  EXPECT_TRUE(again.stop().success()) << again.output_text();
}

TEST(ApiKeysE2E, TheTokenIsTheDefaultKeyAndBadInputIs400) {
  temp_dir data;
  server_options options;
  options.env = {{"LINKLY_TOKEN", kToken}};
  server_process server(data.path(), options);
  http_client client(server.port());
  EXPECT_EQ(client.post("/api-keys", R"({"name":"ci"})").status, 401);
  http_response created = client.request("POST", "/api-keys", R"({"name":"ci"})", bearer(kToken));
  ASSERT_EQ(created.status, 201) << created.describe();
  std::string key(created.json().at("key").as_string());
  EXPECT_EQ(client.request("GET", "/links", {}, bearer(kToken)).status, 200);
  EXPECT_EQ(client.request("GET", "/links", {}, x_api_key(kToken)).status, 200);
  EXPECT_EQ(client.request("GET", "/links", {}, x_api_key(key)).status, 200);

  http_response list = client.request("GET", "/api-keys", {}, x_api_key(key));
  ASSERT_EQ(list.status, 200);
  auto items = list.json().at("api_keys").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("name"), "default");
  EXPECT_EQ(list.body.find(kToken), std::string::npos);

  for (const char* body :
       {R"({"name":""})", R"({"name":"no spaces"})", R"({"name":"default"})", R"({"name":"ci"})",
        R"({"name":"x","expires_at":"2020-01-01T00:00:00Z"})",
        R"({"name":"x","expires_at":"next week"})", "not json"}) {
    http_response res = client.request("POST", "/api-keys", body, bearer(kToken));
    EXPECT_TRUE(res.status == 400 || res.status == 409) << body << ": " << res.describe();
    EXPECT_TRUE(res.json().is_object() && res.json().as_object().contains("error")) << body;
  }
  EXPECT_EQ(client.request("POST", "/api-keys", R"({"name":"ci"})", bearer(kToken)).status, 409);
  EXPECT_EQ(client.request("DELETE", "/api-keys/default", {}, bearer(kToken)).status, 400);
  http_response after = client.request("GET", "/api-keys", {}, bearer(kToken));
  EXPECT_EQ(after.json().at("api_keys").as_array().size(), 2u);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
