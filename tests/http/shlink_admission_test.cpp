// admit() on /rest heads: Shlink's rules replace linkly's there (X-Api-Key,
// any Content-Type, PATCH and OPTIONS, problem+json refusals with CORS),
// and linkly's own routes keep theirs.

#include "http/access_control.hpp"
#include "http/admission.hpp"
#include "http/host_allowlist.hpp"
#include "http/router.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kKey = "shlink-admission-key-0123";
using header_list = std::vector<std::pair<std::string, std::string>>;

class ShlinkAdmission : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.hosts = host_allowlist::build("http://127.0.0.1:3111", "127.0.0.1", {});
    access_options o;
    o.token = std::string(kKey);
    access_ = std::make_unique<access_control>(o);
    ctx_.access = access_.get();
  }

  admission decide(http::verb method, std::string target, header_list headers = {}) {
    http_request req{method, target, 11};
    req.set(http::field::host, "127.0.0.1:3111");
    for (auto& [name, value] : headers) req.set(name, value);
    return admit(req, ctx_, limits_);
  }

  // The refusal's problem type, or "" when admitted.
  std::string type_of(const admission& out) {
    if (!out.refusal) return "";
    EXPECT_EQ((*out.refusal)[http::field::content_type], "application/problem+json");
    EXPECT_EQ((*out.refusal)[http::field::access_control_allow_origin], "*");
    return std::string(boost::json::parse(out.refusal->body()).at("type").as_string());
  }

  router_context ctx_;
  admission_limits limits_;
  std::unique_ptr<access_control> access_;
};

TEST_F(ShlinkAdmission, KeyMissingWrongOrRight) {
  EXPECT_EQ(type_of(decide(http::verb::get, "/rest/v3/short-urls")),
            "https://shlink.io/api/error/missing-authentication");
  EXPECT_EQ(type_of(decide(http::verb::get, "/rest/v3/short-urls", {{"X-Api-Key", "nope"}})),
            "https://shlink.io/api/error/invalid-api-key");
  // A key is a key in either header, as on linkly's own routes.
  EXPECT_FALSE(decide(http::verb::get, "/rest/v3/short-urls",
                      {{"Authorization", "Bearer " + std::string(kKey)}})
                   .refusal);
  EXPECT_EQ(
      type_of(decide(http::verb::get, "/rest/v3/short-urls", {{"Authorization", "Bearer nope"}})),
      "https://shlink.io/api/error/invalid-api-key");
  auto ok = decide(http::verb::get, "//rest/v3/short-urls", {{"X-Api-Key", std::string(kKey)}});
  EXPECT_FALSE(ok.refusal);
  EXPECT_EQ(ok.route, route_id::shlink_rest);
}

TEST_F(ShlinkAdmission, HealthAndPreflightNeedNoKey) {
  EXPECT_FALSE(decide(http::verb::get, "/rest/health").refusal);
  EXPECT_FALSE(decide(http::verb::get, "/rest/v3/health").refusal);
  EXPECT_FALSE(decide(http::verb::options, "/rest/v3/short-urls/abc").refusal);
  // The key is still needed one level off.
  EXPECT_TRUE(decide(http::verb::get, "/rest/v3/health/x").refusal);
}

TEST_F(ShlinkAdmission, AnyContentTypeAndPatchReadAJsonBody) {
  header_list keyed{{"X-Api-Key", std::string(kKey)}, {"Content-Type", "text/plain"}};
  for (http::verb method :
       {http::verb::post, http::verb::patch, http::verb::put, http::verb::delete_}) {
    auto out = decide(method, "/rest/v3/short-urls/abc", keyed);
    EXPECT_FALSE(out.refusal) << http::to_string(method);
    EXPECT_EQ(out.body, body_kind::json) << http::to_string(method);
    EXPECT_EQ(out.body_limit, limits_.max_body_bytes);
  }
  EXPECT_EQ(decide(http::verb::get, "/rest/v3/short-urls", keyed).body, body_kind::none);
  // linkly's own routes keep their 415.
  auto own =
      decide(http::verb::post, "/links",
             {{"Authorization", "Bearer " + std::string(kKey)}, {"Content-Type", "text/plain"}});
  ASSERT_TRUE(own.refusal);
  EXPECT_EQ(own.refusal->result(), http_status::unsupported_media_type);
}

TEST_F(ShlinkAdmission, OversizedDeclaredBodyIsAProblem) {
  auto out = decide(http::verb::post, "/rest/v3/short-urls",
                    {{"X-Api-Key", std::string(kKey)},
                     {"Content-Length", std::to_string(limits_.max_body_bytes + 1)}});
  ASSERT_TRUE(out.refusal);
  EXPECT_EQ(out.refusal->result(), http_status::payload_too_large);
  EXPECT_EQ(type_of(out), "about:blank");
}

TEST_F(ShlinkAdmission, ForeignHostIsRefused) {
  http_request req{http::verb::get, "/rest/v3/tags", 11};
  req.set(http::field::host, "evil.test");
  req.set("X-Api-Key", std::string(kKey));
  auto out = admit(req, ctx_, limits_);
  ASSERT_TRUE(out.refusal);
  EXPECT_EQ(out.refusal->result(), http_status::misdirected_request);
}

TEST_F(ShlinkAdmission, OpenServerRefusesForeignWritesOnly) {
  ctx_.access = nullptr;
  EXPECT_FALSE(decide(http::verb::get, "/rest/v3/tags", {{"Origin", "https://evil.test"}}).refusal);
  auto write = decide(http::verb::post, "/rest/v3/short-urls", {{"Origin", "https://evil.test"}});
  ASSERT_TRUE(write.refusal);
  EXPECT_EQ(write.refusal->result(), http_status::forbidden);
  EXPECT_FALSE(decide(http::verb::post, "/rest/v3/short-urls").refusal);
}

}  // namespace
}  // namespace linkly
