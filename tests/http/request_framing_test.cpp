// RFC 9112 framing: what Beast 1.81 refuses by itself, and what
// check_framing / has_obs_fold refuse on top of it. Each case parses the raw
// bytes with Beast's request parser first, so a Beast upgrade that changes
// its behaviour shows up here.

#include "http/request_framing.hpp"

#include <gtest/gtest.h>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>

#include <string>

namespace linkly {
namespace {

namespace http = boost::beast::http;

struct parsed {
  boost::beast::error_code ec;  // Beast's verdict on the head
  http_request head;
};

parsed parse_head(const std::string& raw) {
  http::request_parser<http::string_body> parser;
  parser.eager(false);
  parsed out;
  parser.put(boost::asio::buffer(raw), out.ec);
  if (!out.ec && !parser.is_header_done()) out.ec = http::error::need_more;
  if (!out.ec) out.head = parser.release();
  return out;
}

std::optional<framing_refusal> framing_of(const std::string& raw) {
  parsed p = parse_head(raw);
  EXPECT_FALSE(p.ec) << "Beast refused: " << p.ec.message();
  return check_framing(p.head);
}

TEST(RequestFraming, PlainRequestsPass) {
  EXPECT_FALSE(framing_of("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
  EXPECT_FALSE(framing_of("POST /links HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n"));
  EXPECT_FALSE(framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"));
  EXPECT_FALSE(framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"));
  // HTTP/1.0 needs no Host.
  EXPECT_FALSE(framing_of("GET / HTTP/1.0\r\n\r\n"));
}

// Beast accepts an unknown coding before Content-Length and frames the body
// by the length: the bytes after it would be a second request.
TEST(RequestFraming, UnknownCodingThenContentLengthIsAcceptedByBeastRefusedHere) {
  auto r = framing_of(
      "POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\nContent-Length: "
      "5\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::bad_request);
}

TEST(RequestFraming, UnknownCodingAloneIsNotImplemented) {
  auto r = framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::not_implemented);
  // chunked must be the only coding: gzip is not one linkly decodes.
  r = framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::not_implemented);
  r = framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::not_implemented);
  r = framing_of(
      "POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
      "Transfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::not_implemented);
}

TEST(RequestFraming, TransferEncodingOnHttp10IsRefused) {
  auto r = framing_of("POST /links HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::bad_request);
}

// Beast itself refuses these orders of Transfer-Encoding and Content-Length.
TEST(RequestFraming, BeastRefusesChunkedWithContentLength) {
  EXPECT_EQ(parse_head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                       "Content-Length: 5\r\n\r\n")
                .ec,
            http::error::bad_content_length);
  EXPECT_EQ(parse_head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n")
                .ec,
            http::error::bad_transfer_encoding);
  EXPECT_EQ(parse_head("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                       "Transfer-Encoding: xchunked\r\n\r\n")
                .ec,
            http::error::bad_transfer_encoding);
  EXPECT_EQ(parse_head("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n")
                .ec,
            http::error::bad_transfer_encoding);
}

TEST(RequestFraming, ChunkedTwiceInOneLineIsRefused) {
  auto r =
      framing_of("POST /links HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::bad_request);
}

TEST(RequestFraming, BeastAcceptsDuplicateHostRefusedHere) {
  auto r = framing_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::bad_request);
}

TEST(RequestFraming, BeastAcceptsMissingHostRefusedHere) {
  auto r = framing_of("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, http_status::bad_request);
}

// Beast joins a folded line to the one before with a space, so only the
// raw bytes show it.
TEST(RequestFraming, BeastJoinsObsFoldRawBytesShowIt) {
  std::string raw = "GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n two\r\n\r\n";
  parsed p = parse_head(raw);
  ASSERT_FALSE(p.ec);
  EXPECT_EQ(p.head["X-A"], "one two");
  EXPECT_TRUE(has_obs_fold(raw));
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: one\r\n\ttwo\r\n\r\n"));
  // A prefix of a head is enough.
  EXPECT_TRUE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\n x"));
}

TEST(RequestFraming, ObsFoldLooksOnlyAtTheHead) {
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\nX-A: one two\r\n\r\n"));
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r\n"));
  EXPECT_FALSE(has_obs_fold("GET / HTTP/1.1\r\nHost: a\r"));
  // Body bytes after the empty line may hold anything.
  EXPECT_FALSE(has_obs_fold("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n\r\n x"));
}

}  // namespace
}  // namespace linkly
