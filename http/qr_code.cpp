#include "http/qr_code.hpp"

#include <qrencode.h>
#include <zlib.h>
#include <boost/url/parse_query.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

namespace linkly {

namespace {

// libqrencode's modules: width x width bytes, bit 0 set for a dark module.
struct modules {
  int width = 0;
  const unsigned char* data = nullptr;
  bool dark(int x, int y) const { return (data[y * width + x] & 1) != 0; }
};

bool parse_int(const std::string& text, int min, int max, int* out) {
  if (text.empty() || text.size() > 4) return false;
  int value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

QRecLevel level_of(char c) {
  switch (c) {
    case 'm':
      return QR_ECLEVEL_M;
    case 'q':
      return QR_ECLEVEL_Q;
    case 'h':
      return QR_ECLEVEL_H;
    default:
      return QR_ECLEVEL_L;
  }
}

void put_u32(std::string* out, std::uint32_t v) {
  out->push_back(static_cast<char>(v >> 24));
  out->push_back(static_cast<char>(v >> 16));
  out->push_back(static_cast<char>(v >> 8));
  out->push_back(static_cast<char>(v));
}

// A PNG chunk: length, type, data, CRC-32 of type and data.
void put_chunk(std::string* out, const char type[4], const std::string& data) {
  put_u32(out, static_cast<std::uint32_t>(data.size()));
  std::size_t from = out->size();
  out->append(type, 4);
  out->append(data);
  uLong crc = crc32(0L, reinterpret_cast<const Bytef*>(out->data() + from),
                    static_cast<uInt>(out->size() - from));
  put_u32(out, static_cast<std::uint32_t>(crc));
}

// Whether pixel (px, py) of the whole image is dark: the code fills
// [margin, margin + size) on each axis, each pixel showing the module it
// falls in (modules are size/width pixels wide, give or take one).
struct raster {
  const modules& m;
  int size;
  int margin;
  int side() const { return size + 2 * margin; }
  bool dark(int px, int py) const {
    int x = px - margin;
    int y = py - margin;
    if (x < 0 || y < 0 || x >= size || y >= size) return false;
    return m.dark(x * m.width / size, y * m.width / size);
  }
};

bool write_png(const raster& r, std::string* out, std::string* error) {
  const int side = r.side();
  // One-bit greyscale rows, each led by filter type 0 (none); 1 is white.
  const std::size_t row_bytes = 1 + (static_cast<std::size_t>(side) + 7) / 8;
  std::string raw(row_bytes * static_cast<std::size_t>(side), '\0');
  for (int y = 0; y < side; ++y) {
    char* row = raw.data() + static_cast<std::size_t>(y) * row_bytes;
    for (int x = 0; x < side; ++x) {
      if (!r.dark(x, y)) row[1 + x / 8] = static_cast<char>(row[1 + x / 8] | (0x80 >> (x % 8)));
    }
  }
  uLongf packed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(packed.data()), &packed_size,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    *error = "cannot compress the image";
    return false;
  }
  packed.resize(packed_size);
  std::string header;
  put_u32(&header, static_cast<std::uint32_t>(side));  // width
  put_u32(&header, static_cast<std::uint32_t>(side));  // height
  header += '\x01';                                    // bit depth
  header += '\x00';                                    // colour type: greyscale
  header += '\x00';                                    // compression: deflate
  header += '\x00';                                    // filter method 0
  header += '\x00';                                    // no interlace
  out->assign("\x89PNG\r\n\x1a\n", 8);
  put_chunk(out, "IHDR", header);
  put_chunk(out, "IDAT", packed);
  put_chunk(out, "IEND", {});
  return true;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// One path in module units, scaled to `size` pixels: each horizontal run of
// dark modules is one closed subpath.
void write_svg(const raster& r, std::string* out) {
  const std::string side = std::to_string(r.side());
  out->clear();
  *out += R"(<svg xmlns="http://www.w3.org/2000/svg" width=")" + side + R"(" height=")" + side +
          R"(" viewBox="0 0 )" + side + " " + side + R"(" shape-rendering="crispEdges">)";
  *out += R"(<rect width="100%" height="100%" fill="#fff"/>)";
  *out += "<path fill=\"#000\" transform=\"translate(" + std::to_string(r.margin) + " " +
          std::to_string(r.margin) + ") scale(" + number(static_cast<double>(r.size) / r.m.width) +
          ")\" d=\"";
  for (int y = 0; y < r.m.width; ++y) {
    for (int x = 0; x < r.m.width;) {
      if (!r.m.dark(x, y)) {
        ++x;
        continue;
      }
      int run = 1;
      while (x + run < r.m.width && r.m.dark(x + run, y)) ++run;
      *out += "M" + std::to_string(x) + " " + std::to_string(y) + "h" + std::to_string(run) +
              "v1h-" + std::to_string(run) + "z";
      x += run;
    }
  }
  *out += R"("/></svg>)";
}

}  // namespace

bool parse_qr_query(std::string_view encoded_query, qr_request* out, std::string* error) {
  auto params = boost::urls::parse_query(encoded_query);
  if (!params) {
    *error = "invalid query string";
    return false;
  }
  qr_request request;
  bool seen_format = false, seen_size = false, seen_margin = false, seen_level = false;
  for (auto param : *params) {
    std::string key = param.key.decode();
    std::string value = param.has_value ? param.value.decode() : std::string();
    if (key == "format" && !seen_format) {
      seen_format = true;
      std::string v = lower(value);
      if (v == "png") {
        request.format = qr_format::png;
      } else if (v == "svg") {
        request.format = qr_format::svg;
      } else {
        *error = "invalid format: use png or svg";
        return false;
      }
    } else if (key == "size" && !seen_size) {
      seen_size = true;
      if (!parse_int(value, kMinQrSize, kMaxQrSize, &request.size)) {
        *error = "invalid size: use an integer from " + std::to_string(kMinQrSize) + " to " +
                 std::to_string(kMaxQrSize) + " (pixels)";
        return false;
      }
    } else if (key == "margin" && !seen_margin) {
      seen_margin = true;
      if (!parse_int(value, 0, kMaxQrMargin, &request.margin)) {
        *error = "invalid margin: use an integer from 0 to " + std::to_string(kMaxQrMargin) +
                 " (pixels)";
        return false;
      }
    } else if (key == "error_correction" && !seen_level) {
      seen_level = true;
      std::string v = lower(value);
      if (v.size() != 1 || std::string_view("lmqh").find(v[0]) == std::string_view::npos) {
        *error = "invalid error_correction: use l, m, q or h";
        return false;
      }
      request.error_correction = v[0];
    }
  }
  *out = request;
  return true;
}

bool render_qr(std::string_view text, const qr_request& request, std::string* out,
               std::string* error) {
  std::string data(text);  // libqrencode wants a NUL-terminated string
  std::unique_ptr<QRcode, decltype(&QRcode_free)> code(
      QRcode_encodeString8bit(data.c_str(), 0, level_of(request.error_correction)), &QRcode_free);
  if (code == nullptr || code->width <= 0) {
    *error = "the link's short url is too long for a QR code";
    return false;
  }
  modules m{code->width, code->data};
  raster r{m, request.size, request.margin};
  if (request.format == qr_format::svg) {
    write_svg(r, out);
    return true;
  }
  return write_png(r, out, error);
}

std::string_view qr_content_type(qr_format format) {
  return format == qr_format::svg ? "image/svg+xml" : "image/png";
}

}  // namespace linkly
