// What the server makes of its options before it binds: whether they may be
// served, and the base its short urls name.

#include "http/server.hpp"

#include <gtest/gtest.h>

namespace linkly::testing {
namespace {

server_options listening_on(std::string host) {
  server_options options;
  options.host = std::move(host);
  return options;
}

TEST(ExposureTest, LoopbackWithoutTokenMayServe) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    EXPECT_EQ(exposure_problem(listening_on(host)), std::nullopt) << host;
  }
}

TEST(ExposureTest, NetworkAddressWithoutTokenIsRefused) {
  for (const char* host : {"0.0.0.0", "::", "192.0.2.7", "example.com"}) {
    auto problem = exposure_problem(listening_on(host));
    ASSERT_TRUE(problem.has_value()) << host;
    EXPECT_NE(problem->find("http.trusted_network"), std::string::npos) << *problem;
  }
}

TEST(ExposureTest, TokenOrTrustedNetworkAllowsANetworkAddress) {
  server_options with_token = listening_on("0.0.0.0");
  with_token.auth.token = "0123456789abcdef-token";
  EXPECT_EQ(exposure_problem(with_token), std::nullopt);
  server_options trusted = listening_on("0.0.0.0");
  trusted.trusted_network = true;
  EXPECT_EQ(exposure_problem(trusted), std::nullopt);
}

TEST(ShortUrlBaseTest, PublicUrlWinsWithoutTrailingSlashes) {
  server_options options = listening_on("0.0.0.0");
  options.public_url = "https://lnk.example//";
  EXPECT_EQ(short_url_base(options, 3111), "https://lnk.example");
}

TEST(ShortUrlBaseTest, ListenAddressWithPort) {
  EXPECT_EQ(short_url_base(listening_on("127.0.0.1"), 3111), "http://127.0.0.1:3111");
  EXPECT_EQ(short_url_base(listening_on("::1"), 80), "http://[::1]:80");
}

TEST(ShortUrlBaseTest, UnspecifiedAddressIsNeverNamed) {
  for (const char* host : {"0.0.0.0", "::"}) {
    std::string base = short_url_base(listening_on(host), 3111);
    EXPECT_EQ(base.find("0.0.0.0"), std::string::npos) << base;
    EXPECT_EQ(base.find("[::]"), std::string::npos) << base;
    EXPECT_EQ(base.rfind("http://", 0), 0u) << base;
    EXPECT_NE(base.find(":3111"), std::string::npos) << base;
  }
}

}  // namespace
}  // namespace linkly::testing
