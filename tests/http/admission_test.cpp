// admit() on request heads alone: each refusal, the order they come in, the
// route's body kind and limit, and the host allowlist they rest on.

#include "http/admission.hpp"

#include "http/access_control.hpp"
#include "http/host_allowlist.hpp"
#include "http/router.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <string>
#include <utility>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kToken = "admission-token-0123456789";
using header_list = std::vector<std::pair<http::field, std::string>>;

http_request head_of(http::verb method, std::string target, header_list headers = {}) {
  http_request req{method, target, 11};
  req.set(http::field::host, "127.0.0.1:3111");
  for (auto& [name, value] : headers) req.set(name, value);
  return req;
}

std::string error_of(const http_response& res) {
  auto value = boost::json::parse(res.body());
  return std::string(value.at("error").as_string());
}

class AdmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.hosts = host_allowlist::build("https://lnk.example", "127.0.0.1", {"proxy.internal"});
  }

  admission decide(http::verb method, std::string target, header_list headers = {}) {
    return admit(head_of(method, std::move(target), std::move(headers)), ctx_, limits_);
  }

  // The refusal's status, or 0 when the request is admitted.
  int status_of(http::verb method, std::string target, header_list headers = {}) {
    auto out = decide(method, std::move(target), std::move(headers));
    return out.refusal ? static_cast<int>(out.refusal->result_int()) : 0;
  }

  void use_token() {
    access_options o;
    o.token = std::string(kToken);
    access_ = std::make_unique<access_control>(o);
    ctx_.access = access_.get();
  }

  router_context ctx_;
  admission_limits limits_{1000, 5000};
  std::unique_ptr<access_control> access_;
};

const std::pair<http::field, std::string> kJson{http::field::content_type, "application/json"};

TEST_F(AdmissionTest, AdmitsWellFormedRequests) {
  EXPECT_EQ(status_of(http::verb::get, "/s/demo"), 0);
  EXPECT_EQ(status_of(http::verb::get, "/links"), 0);
  EXPECT_EQ(status_of(http::verb::post, "/links", {kJson}), 0);
  EXPECT_EQ(status_of(http::verb::put, "/links/demo", {kJson}), 0);
  EXPECT_EQ(status_of(http::verb::delete_, "/links/demo"), 0);
  EXPECT_EQ(status_of(http::verb::post, "/admin/dlq/redrive", {kJson}), 0);
  EXPECT_EQ(status_of(http::verb::post, "/links/import", {{http::field::content_type, "text/csv"}}),
            0);
  EXPECT_EQ(status_of(http::verb::post, "/logout"), 0);
}

TEST_F(AdmissionTest, CarriesTheMatchAndTheRoutesBody) {
  auto get = decide(http::verb::get, "/links/demo?as_of=4");
  EXPECT_EQ(get.route, route_id::link_item);
  EXPECT_EQ(get.match.code, "demo");
  EXPECT_EQ(get.match.as_of, "4");
  EXPECT_EQ(get.body, body_kind::none);
  EXPECT_EQ(get.body_limit, 1000u);

  auto create = decide(http::verb::post, "/links", {kJson});
  EXPECT_EQ(create.body, body_kind::json);
  EXPECT_EQ(create.body_limit, 1000u);

  auto import =
      decide(http::verb::post, "/links/import", {{http::field::content_type, "text/csv"}});
  EXPECT_EQ(import.body, body_kind::csv_stream);
  EXPECT_EQ(import.body_limit, 5000u);
}

TEST_F(AdmissionTest, BadTargetAndUnknownPath) {
  auto bad = decide(http::verb::get, "*");
  ASSERT_TRUE(bad.refusal);
  EXPECT_EQ(bad.refusal->result(), http::status::bad_request);
  EXPECT_EQ(status_of(http::verb::get, "/no/such/path"), 404);
  // 404 before 421: an unknown path says nothing either way.
  EXPECT_EQ(status_of(http::verb::get, "/no/such/path", {{http::field::host, "evil.example"}}),
            404);
}

TEST_F(AdmissionTest, ForeignHostIsMisdirected) {
  for (std::string host : {"evil.example", "evil.example:3111", "127.0.0.1.evil.example", "",
                           "lnk.example@evil.example", "[::2]:80", "lnk.example:x"}) {
    auto out = decide(http::verb::get, "/links", {{http::field::host, host}});
    ASSERT_TRUE(out.refusal) << host;
    EXPECT_EQ(out.refusal->result(), http::status::misdirected_request) << host;
    EXPECT_EQ((*out.refusal)[http::field::content_type], "application/json");
    EXPECT_FALSE(error_of(*out.refusal).empty());
  }
  for (std::string host : {"127.0.0.1:3111", "LocalHost", "[::1]:9", "lnk.example",
                           "LNK.example:443", "proxy.internal:8080"}) {
    EXPECT_EQ(status_of(http::verb::get, "/links", {{http::field::host, host}}), 0) << host;
  }
  // Redirects too: a rebinding page must not read where links go.
  EXPECT_EQ(status_of(http::verb::get, "/s/demo", {{http::field::host, "evil.example"}}), 421);
  // Health probes use whatever address reaches the server.
  EXPECT_EQ(status_of(http::verb::get, "/healthz", {{http::field::host, "10.0.0.7:3111"}}), 0);
  // No Host at all (HTTP/1.0) names nothing foreign.
  http_request bare{http::verb::get, "/links", 10};
  EXPECT_FALSE(admit(bare, ctx_, limits_).refusal);
}

TEST_F(AdmissionTest, ForeignOriginOnWritesIsForbidden) {
  for (std::string origin : {"https://evil.example", "null", "http://127.0.0.1.evil.example",
                             "https://lnk.example.evil", "garbage", "https://lnk.example/path"}) {
    auto out = decide(http::verb::post, "/links", {kJson, {http::field::origin, origin}});
    ASSERT_TRUE(out.refusal) << origin;
    EXPECT_EQ(out.refusal->result(), http::status::forbidden) << origin;
    EXPECT_EQ(status_of(http::verb::delete_, "/links/demo", {{http::field::origin, origin}}), 403);
    EXPECT_EQ(status_of(http::verb::post, "/logout", {{http::field::origin, origin}}), 403);
    // Reads are the browser's business: it shows another origin nothing.
    EXPECT_EQ(status_of(http::verb::get, "/links", {{http::field::origin, origin}}), 0);
  }
  for (std::string origin : {"https://lnk.example", "http://127.0.0.1:3111", "http://localhost",
                             "http://[::1]:8080", "https://PROXY.internal"}) {
    EXPECT_EQ(status_of(http::verb::post, "/links", {kJson, {http::field::origin, origin}}), 0)
        << origin;
  }
}

TEST_F(AdmissionTest, AnyHostStillChecksOriginAgainstTheHost) {
  ctx_.hosts.add(kAnyHost);
  EXPECT_EQ(status_of(http::verb::get, "/links", {{http::field::host, "whatever.internal"}}), 0);
  header_list own{kJson,
                  {http::field::host, "whatever.internal:81"},
                  {http::field::origin, "https://whatever.internal"}};
  EXPECT_EQ(status_of(http::verb::post, "/links", own), 0);
  header_list foreign{kJson,
                      {http::field::host, "whatever.internal"},
                      {http::field::origin, "https://evil.example"}};
  EXPECT_EQ(status_of(http::verb::post, "/links", foreign), 403);
}

TEST_F(AdmissionTest, JsonRoutesRequireApplicationJson) {
  for (std::string type : {"", "text/plain", "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x", "application/jsonx", "text/csv"}) {
    auto out = decide(http::verb::post, "/links", {{http::field::content_type, type}});
    ASSERT_TRUE(out.refusal) << type;
    EXPECT_EQ(out.refusal->result(), http::status::unsupported_media_type) << type;
    EXPECT_EQ(status_of(http::verb::put, "/links/demo", {{http::field::content_type, type}}), 415);
    EXPECT_EQ(
        status_of(http::verb::post, "/admin/dlq/redrive", {{http::field::content_type, type}}),
        415);
  }
  for (std::string type : {"application/json", "Application/JSON",
                           "application/json; charset=utf-8", " application/json ;charset=UTF-8"}) {
    EXPECT_EQ(status_of(http::verb::post, "/links", {{http::field::content_type, type}}), 0)
        << type;
  }
  // Routes without a body do not care.
  EXPECT_EQ(
      status_of(http::verb::delete_, "/links/demo", {{http::field::content_type, "text/plain"}}),
      0);
  EXPECT_EQ(status_of(http::verb::get, "/links"), 0);
}

TEST_F(AdmissionTest, ImportRequiresCsv) {
  EXPECT_EQ(status_of(http::verb::post, "/links/import", {kJson}), 415);
  EXPECT_EQ(status_of(http::verb::post, "/links/import"), 415);
  EXPECT_EQ(status_of(http::verb::post, "/links/import",
                      {{http::field::content_type, "text/csv; charset=utf-8"}}),
            0);
}

TEST_F(AdmissionTest, WrongMethodIs405WithAllow) {
  auto out = decide(http::verb::patch, "/links/demo");
  ASSERT_TRUE(out.refusal);
  EXPECT_EQ(out.refusal->result(), http::status::method_not_allowed);
  EXPECT_EQ((*out.refusal)[http::field::allow], "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(status_of(http::verb::post, "/s/demo"), 405);
  EXPECT_EQ(status_of(http::verb::get, "/links/import"), 405);
  EXPECT_EQ(status_of(http::verb::options, "/links"), 405);
}

TEST_F(AdmissionTest, DeclaredLengthOverTheRoutesLimitIs413) {
  auto length = [](std::string n) { return std::pair{http::field::content_length, std::move(n)}; };
  EXPECT_EQ(status_of(http::verb::post, "/links", {kJson, length("1000")}), 0);
  EXPECT_EQ(status_of(http::verb::post, "/links", {kJson, length("1001")}), 413);
  EXPECT_EQ(status_of(http::verb::post, "/links", {kJson, length("100000000000000000000000")}),
            413);
  std::pair csv{http::field::content_type, std::string("text/csv")};
  EXPECT_EQ(status_of(http::verb::post, "/links/import", {csv, length("5000")}), 0);
  EXPECT_EQ(status_of(http::verb::post, "/links/import", {csv, length("5001")}), 413);
  limits_.max_import_bytes = 0;  // no limit
  EXPECT_EQ(status_of(http::verb::post, "/links/import", {csv, length("999999999999")}), 0);
  // A route without a body still has the small limit.
  EXPECT_EQ(status_of(http::verb::delete_, "/links/demo", {length("1001")}), 413);
}

TEST_F(AdmissionTest, OrderOfTheChecks) {
  use_token();
  std::pair evil_host{http::field::host, std::string("evil.example")};
  std::pair evil_origin{http::field::origin, std::string("https://evil.example")};
  std::pair text{http::field::content_type, std::string("text/plain")};
  std::pair huge{http::field::content_length, std::string("999999")};
  std::pair token{http::field::authorization, "Bearer " + std::string(kToken)};
  // 421 before 403, 401, 415 and 413.
  EXPECT_EQ(status_of(http::verb::post, "/links", {evil_host, evil_origin, text, huge}), 421);
  // 403 before 401.
  EXPECT_EQ(status_of(http::verb::post, "/links", {evil_origin, text, huge}), 403);
  // 401 before 405, 415 and 413: the body is never looked at without the token.
  EXPECT_EQ(status_of(http::verb::post, "/links", {text, huge}), 401);
  EXPECT_EQ(status_of(http::verb::patch, "/links", {text, huge}), 401);
  auto unauthorized = decide(http::verb::post, "/links/import", {huge});
  ASSERT_TRUE(unauthorized.refusal);
  EXPECT_EQ((*unauthorized.refusal)[http::field::www_authenticate], "Bearer");
  // With the token: 405, then 415, then 413.
  EXPECT_EQ(status_of(http::verb::patch, "/links", {token, text, huge}), 405);
  EXPECT_EQ(status_of(http::verb::post, "/links", {token, text, huge}), 415);
  EXPECT_EQ(status_of(http::verb::post, "/links", {token, kJson, huge}), 413);
  EXPECT_EQ(status_of(http::verb::post, "/links", {token, kJson}), 0);
  // Public routes need no token: their 405 comes at once.
  EXPECT_EQ(status_of(http::verb::post, "/s/demo", {text}), 405);
}

TEST(HostAllowlistTest, ParsesAuthorities) {
  EXPECT_EQ(host_of_authority("Example.COM:80"), "example.com");
  EXPECT_EQ(host_of_authority("[::1]:3111"), "::1");
  EXPECT_EQ(host_of_authority("::1"), "::1");
  EXPECT_EQ(host_of_authority("0.0.0.0"), "0.0.0.0");
  EXPECT_EQ(host_of_authority("a.b:"), "a.b");
  EXPECT_EQ(host_of_authority("a b"), "");
  EXPECT_EQ(host_of_authority("a.b:x"), "");
  EXPECT_EQ(host_of_authority("[::1"), "");
  EXPECT_EQ(host_of_authority("user@a.b"), "");
}

TEST(HostAllowlistTest, DefaultIsLoopbackOnly) {
  host_allowlist hosts;
  EXPECT_TRUE(hosts.allows_host("localhost:1"));
  EXPECT_TRUE(hosts.allows_host("127.0.0.1"));
  EXPECT_TRUE(hosts.allows_host("[::1]"));
  EXPECT_FALSE(hosts.allows_host("example.com"));
  EXPECT_FALSE(hosts.any());
}

TEST(HostAllowlistTest, BuildTakesPublicUrlListenHostAndExtras) {
  auto hosts =
      host_allowlist::build("https://user@Short.Example:8443/base", "::", {"a.internal:1"});
  EXPECT_TRUE(hosts.allows_host("short.example"));
  EXPECT_TRUE(hosts.allows_host("[::]:3111"));
  EXPECT_TRUE(hosts.allows_host("A.internal"));
  EXPECT_FALSE(hosts.allows_host("user"));
  EXPECT_FALSE(hosts.allows_origin("null", "short.example"));
  EXPECT_TRUE(hosts.allows_origin("https://short.example", "short.example"));
}

}  // namespace
}  // namespace linkly
