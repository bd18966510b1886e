#pragma once
// QR codes of short links (API.md "QR codes"): the query of
// GET /s/{code}/qr-code read into a qr_request, and the image drawn from
// libqrencode's modules as a PNG (written here with zlib) or an SVG (one
// path). No HTTP in it, so it is tested on its own.

#include <cstddef>
#include <string>
#include <string_view>

namespace linkly {

/// Side of the code itself in pixels, without the margin. Bounded so that
/// one public request cannot ask for an image of any size: the largest PNG
/// is (kMaxQrSize + 2 kMaxQrMargin)^2 one-bit pixels, about 180 KB before
/// compression.
constexpr int kMinQrSize = 50;
constexpr int kMaxQrSize = 1000;
constexpr int kDefaultQrSize = 300;
/// Blank border around the code, in pixels, on each side.
constexpr int kMaxQrMargin = 100;

enum class qr_format { png, svg };

struct qr_request {
  qr_format format = qr_format::png;
  int size = kDefaultQrSize;
  int margin = 0;
  char error_correction = 'l';  // l, m, q or h: 7, 15, 25 or 30 % recoverable
};

/// `encoded_query` ("format=svg&size=200", still percent-encoded) read into
/// `*out`; unknown parameters are ignored, a repeated one counts once (the
/// first). On a bad value sets `*error` (a 400 message) and returns false.
bool parse_qr_query(std::string_view encoded_query, qr_request* out, std::string* error);

/// Draws `text` as `request` asks into `*out` (PNG bytes or SVG text).
/// False with `*error` set when the text cannot be encoded (too long).
bool render_qr(std::string_view text, const qr_request& request, std::string* out,
               std::string* error);

/// "image/png" or "image/svg+xml".
std::string_view qr_content_type(qr_format format);

}  // namespace linkly
