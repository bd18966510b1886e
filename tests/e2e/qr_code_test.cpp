// QR codes against a real `linkly serve`: public even with a token, PNG and
// SVG of the link's short url, 404 for an unknown or deleted code, 400 JSON
// for a bad parameter.

#include "tests/support/http_client.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <string>

namespace linkly::e2e {
namespace {

const std::string kToken = "e2e-token-7f3a9c1d5b2e8f40";

std::uint32_t be32(const std::string& s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

TEST(QrCodeE2E, PublicImagesOfLiveLinksOnly) {
  temp_dir data;
  server_options options;
  options.env = {{"LINKLY_TOKEN", kToken}};
  server_process server(data.path(), options);
  http_client client(server.port());
  header_list auth{{"Authorization", "Bearer " + kToken}};
  ASSERT_EQ(
      client.request("POST", "/links", R"({"url":"https://example.com/a","code":"demo"})", auth)
          .status,
      201);

  http_response png = client.get("/s/demo/qr-code?size=200&margin=8");
  ASSERT_EQ(png.status, 200) << png.describe();
  EXPECT_EQ(png.header("Content-Type"), "image/png");
  ASSERT_GE(png.body.size(), 24u);
  EXPECT_EQ(png.body.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(png.body.substr(12, 4), "IHDR");
  EXPECT_EQ(be32(png.body, 16), 216u);
  EXPECT_EQ(be32(png.body, 20), 216u);

  http_response svg = client.get("/demo/qr-code?format=svg");
  ASSERT_EQ(svg.status, 200) << svg.describe();
  EXPECT_EQ(svg.header("Content-Type"), "image/svg+xml");
  EXPECT_EQ(svg.body.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.body.find("width=\"300\""), std::string::npos);

  for (const char* bad : {"/s/demo/qr-code?size=10", "/s/demo/qr-code?format=bmp",
                          "/s/demo/qr-code?margin=500", "/s/demo/qr-code?error_correction=z"}) {
    http_response res = client.get(bad);
    EXPECT_EQ(res.status, 400) << bad << ": " << res.describe();
    EXPECT_TRUE(res.json().is_object() && res.json().as_object().contains("error")) << bad;
  }
  EXPECT_EQ(client.get("/s/nope/qr-code").status, 404);
  ASSERT_EQ(client.request("DELETE", "/links/demo", {}, auth).status, 204);
  EXPECT_EQ(client.get("/s/demo/qr-code").status, 404);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
