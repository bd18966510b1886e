// QR codes: the query rules, and the images read back: the PNG's chunks,
// size and pixels (inflated with zlib), the SVG's one path.

#include "http/qr_code.hpp"
#include "http/qr_routes.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"

#include "actors/read_view.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kUrl = "http://127.0.0.1:3111/s/demo";

std::uint32_t be32(const std::string& s, std::size_t at) {
  auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + i]));
  };
  return b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3);
}

struct png_image {
  std::uint32_t width = 0, height = 0;
  int bit_depth = 0, colour_type = 0;
  std::string rows;  // inflated, each row led by its filter byte
  bool dark(std::uint32_t x, std::uint32_t y) const {
    std::size_t row_bytes = 1 + (width + 7) / 8;
    unsigned char byte = static_cast<unsigned char>(rows[y * row_bytes + 1 + x / 8]);
    return (byte & (0x80 >> (x % 8))) == 0;
  }
};

// Reads the chunks, checking every CRC; ASSERTs on anything malformed.
void decode_png(const std::string& png, png_image* out) {
  ASSERT_GE(png.size(), 8u);
  ASSERT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::size_t at = 8;
  std::string idat;
  bool ended = false;
  while (at + 12 <= png.size()) {
    std::uint32_t length = be32(png, at);
    ASSERT_LE(at + 12 + length, png.size());
    std::string type = png.substr(at + 4, 4);
    std::string data = png.substr(at + 8, length);
    uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(png.data() + at + 4), 4 + length);
    ASSERT_EQ(be32(png, at + 8 + length), static_cast<std::uint32_t>(crc)) << type;
    if (type == "IHDR") {
      ASSERT_EQ(length, 13u);
      out->width = be32(data, 0);
      out->height = be32(data, 4);
      out->bit_depth = data[8];
      out->colour_type = data[9];
    } else if (type == "IDAT") {
      idat += data;
    } else if (type == "IEND") {
      ended = true;
    }
    at += 12 + length;
  }
  ASSERT_TRUE(ended);
  ASSERT_EQ(at, png.size());
  std::size_t row_bytes = 1 + (out->width + 7) / 8;
  out->rows.assign(row_bytes * out->height, '\0');
  uLongf size = out->rows.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(out->rows.data()), &size,
                       reinterpret_cast<const Bytef*>(idat.data()), idat.size()),
            Z_OK);
  ASSERT_EQ(size, out->rows.size());
}

TEST(QrRouteMatchTest, BothPathsMatchWithTheirRawQuery) {
  route_match m = match_route("/s/demo/qr-code?format=svg&size=1%30%30");
  EXPECT_EQ(m.route, route_id::qr_code);
  EXPECT_EQ(m.code, "demo");
  EXPECT_EQ(m.query, "format=svg&size=1%30%30");
  qr_request r;
  std::string error;
  ASSERT_TRUE(parse_qr_query(m.query, &r, &error)) << error;
  EXPECT_EQ(r.size, 100);
  m = match_route("/demo/qr-code");
  EXPECT_EQ(m.route, route_id::qr_code);
  EXPECT_EQ(m.code, "demo");
  EXPECT_EQ(match_route("/s/qr-code").route, route_id::redirect);  // a code named qr-code
  EXPECT_EQ(match_route("/s/demo/qr-code/x").route, route_id::not_found);
}

TEST(QrQueryTest, DefaultsAndBounds) {
  qr_request r;
  std::string error;
  ASSERT_TRUE(parse_qr_query("", &r, &error));
  EXPECT_EQ(r.format, qr_format::png);
  EXPECT_EQ(r.size, 300);
  EXPECT_EQ(r.margin, 0);
  EXPECT_EQ(r.error_correction, 'l');
  ASSERT_TRUE(parse_qr_query("format=SVG&size=50&margin=100&error_correction=H&x=1", &r, &error));
  EXPECT_EQ(r.format, qr_format::svg);
  EXPECT_EQ(r.size, 50);
  EXPECT_EQ(r.margin, 100);
  EXPECT_EQ(r.error_correction, 'h');
  ASSERT_TRUE(parse_qr_query("size=1000&size=5", &r, &error));  // the first counts
  EXPECT_EQ(r.size, 1000);
  for (const char* bad : {"format=gif", "format=", "size=49", "size=1001", "size=abc",
                          "size=", "size=-1", "size=+300", "margin=101", "margin=-1", "margin=1.5",
                          "error_correction=x", "error_correction=lm", "size=%ZZ"}) {
    error.clear();
    EXPECT_FALSE(parse_qr_query(bad, &r, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(QrRenderTest, PngHasTheAskedSizeAndAFinderPatternInsideTheMargin) {
  qr_request r;
  r.size = 100;
  r.margin = 10;
  std::string png, error;
  ASSERT_TRUE(render_qr(kUrl, r, &png, &error)) << error;
  png_image image;
  ASSERT_NO_FATAL_FAILURE(decode_png(png, &image));
  EXPECT_EQ(image.width, 120u);
  EXPECT_EQ(image.height, 120u);
  EXPECT_EQ(image.bit_depth, 1);
  EXPECT_EQ(image.colour_type, 0);
  // The margin is white; the code's corners hold finder patterns (dark
  // outer ring) except the bottom right one.
  EXPECT_FALSE(image.dark(0, 0));
  EXPECT_FALSE(image.dark(9, 60));
  EXPECT_FALSE(image.dark(119, 119));
  EXPECT_TRUE(image.dark(10, 10));
  EXPECT_TRUE(image.dark(109, 10));
  EXPECT_TRUE(image.dark(10, 109));
  for (std::size_t y = 0; y < image.height; ++y) {
    EXPECT_EQ(image.rows[y * (1 + (image.width + 7) / 8)], 0) << "filter of row " << y;
  }

  // Largest: still bounded.
  r.size = kMaxQrSize;
  r.margin = kMaxQrMargin;
  r.error_correction = 'h';
  ASSERT_TRUE(render_qr(kUrl, r, &png, &error)) << error;
  ASSERT_NO_FATAL_FAILURE(decode_png(png, &image));
  EXPECT_EQ(image.width, 1200u);
  EXPECT_LT(png.size(), 200'000u);
}

TEST(QrRenderTest, SvgIsOnePathOfTheAskedSize) {
  qr_request r;
  r.format = qr_format::svg;
  r.size = 200;
  r.margin = 4;
  std::string svg, error;
  ASSERT_TRUE(render_qr(kUrl, r, &svg, &error)) << error;
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"208\" height=\"208\"", 0),
            0u)
      << svg.substr(0, 120);
  EXPECT_EQ(svg.substr(svg.size() - 6), "</svg>");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex(R"(translate\(4 4\) scale\(([0-9.]+)\))")));
  // The modules fill exactly `size` pixels: a whole number of them.
  double modules = 200.0 / std::stod(m[1]);
  EXPECT_NEAR(modules, std::round(modules), 1e-3);
  EXPECT_GE(modules, 21.0);
  std::size_t paths = 0;
  for (std::size_t at = svg.find("<path"); at != std::string::npos; at = svg.find("<path", at + 1))
    ++paths;
  EXPECT_EQ(paths, 1u);
  EXPECT_NE(svg.find("d=\"M0 0h7v1h-7z"), std::string::npos);  // the top left finder pattern
  EXPECT_EQ(qr_content_type(qr_format::svg), "image/svg+xml");
  EXPECT_EQ(qr_content_type(qr_format::png), "image/png");
}

TEST(QrRenderTest, SvgAndPngDrawTheSameModules) {
  qr_request r;
  r.error_correction = 'm';
  std::string png, svg, error;
  ASSERT_TRUE(render_qr(kUrl, r, &png, &error)) << error;
  r.format = qr_format::svg;
  ASSERT_TRUE(render_qr(kUrl, r, &svg, &error)) << error;
  png_image image;
  ASSERT_NO_FATAL_FAILURE(decode_png(png, &image));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex(R"(scale\(([0-9.]+)\))")));
  const int width = static_cast<int>(std::lround(r.size / std::stod(m[1])));
  ASSERT_GE(width, 21);
  std::vector<std::vector<bool>> dark(width, std::vector<bool>(width, false));
  std::regex run(R"(M(\d+) (\d+)h(\d+)v1h-(\d+)z)");
  int runs = 0;
  for (std::sregex_iterator it(svg.begin(), svg.end(), run), end; it != end; ++it, ++runs) {
    int x = std::stoi((*it)[1]), y = std::stoi((*it)[2]), n = std::stoi((*it)[3]);
    ASSERT_EQ(n, std::stoi((*it)[4]));
    ASSERT_LE(x + n, width);
    ASSERT_LT(y, width);
    for (int i = 0; i < n; ++i) dark[y][x + i] = true;
  }
  EXPECT_GT(runs, width);
  // Each module's centre pixel in the PNG is as dark as the SVG draws it.
  for (int y = 0; y < width; ++y) {
    for (int x = 0; x < width; ++x) {
      auto px = static_cast<std::uint32_t>((2 * x + 1) * r.size / (2 * width));
      auto py = static_cast<std::uint32_t>((2 * y + 1) * r.size / (2 * width));
      ASSERT_EQ(image.dark(px, py), dark[y][x]) << "module " << x << "," << y;
    }
  }
}

TEST(QrRouteTest, AnswersTheImageOfALiveLinkAnd404Or400Otherwise) {
  read_view view;
  link_info demo;
  demo.code = "demo";
  demo.url = "https://example.com/landing";
  demo.version = 1;
  view.upsert(demo);
  router_context ctx;
  ctx.view = &view;
  ctx.short_url_base = "http://127.0.0.1:3111";
  auto get = [&](std::string target) {
    http_request req{http::verb::get, target, 11};
    std::optional<http_response> out;
    handle_request(req, ctx, [&](http_response res) { out = std::move(res); });
    EXPECT_TRUE(out.has_value()) << target;
    return out ? *out : http_response{};
  };
  http_response png = get("/s/demo/qr-code");
  ASSERT_EQ(png.result(), http::status::ok);
  EXPECT_EQ(png[http::field::content_type], "image/png");
  png_image image;
  ASSERT_NO_FATAL_FAILURE(decode_png(png.body(), &image));
  EXPECT_EQ(image.width, 300u);
  http_response svg = get("/demo/qr-code?format=svg");
  ASSERT_EQ(svg.result(), http::status::ok);
  EXPECT_EQ(svg[http::field::content_type], "image/svg+xml");
  // The same code as drawn directly from the short url.
  qr_request r;
  r.format = qr_format::svg;
  std::string direct, error;
  ASSERT_TRUE(render_qr(kUrl, r, &direct, &error));
  EXPECT_EQ(svg.body(), direct);

  EXPECT_EQ(get("/s/missing/qr-code").result(), http::status::not_found);
  http_response bad = get("/s/demo/qr-code?size=2000");
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_NE(bad.body().find("\"error\""), std::string::npos);
  EXPECT_EQ(get("/s/demo/qr-code?format=jpeg").result(), http::status::bad_request);
}

}  // namespace
}  // namespace linkly
