// import_stream without a server: rows, their checks, batches and the answer.

#include "http/import_stream.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace linkly {
namespace {

boost::json::object body_of(const http_response& res) {
  return boost::json::parse(res.body()).as_object();
}

import_reply imported_rows(std::size_t n) {
  import_reply r;
  r.imported = n;
  return r;
}

import_reply stopped(std::string why) {
  import_reply r;
  r.fail(reply_code::unavailable, std::move(why));
  return r;
}

TEST(ImportStream, SkipsHeaderAndBlankLinesAndChecksRows) {
  import_stream im;
  im.feed(
      "code,url\n"
      "good,https://a.example\n"
      "\n"
      "   \r\n"
      "bad code!,https://b.example\n"
      "nocomma\n"
      "gen,javascript:alert(1)\n"
      ",example.com/x\n"
      "links,https://c.example\n"
      "empty,\n");
  im.finish();
  ASSERT_TRUE(im.has_rows());
  auto rows = im.start_batch().rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].code, "good");
  EXPECT_EQ(rows[0].url, "https://a.example");
  EXPECT_EQ(rows[1].code, "");  // generated
  EXPECT_EQ(rows[1].url, "https://example.com/x");
  EXPECT_EQ(im.skipped(), 5u);
  ASSERT_EQ(im.errors().size(), 5u);
  EXPECT_EQ(im.errors()[0].line, 5u);
  EXPECT_NE(im.errors()[0].error.find("invalid code"), std::string::npos);
  EXPECT_EQ(im.errors()[1].line, 6u);
  EXPECT_EQ(im.errors()[1].error, "expected code,url");
  EXPECT_EQ(im.errors()[2].line, 7u);
  EXPECT_EQ(im.errors()[2].error, "invalid url: only http and https urls are allowed");
  EXPECT_EQ(im.errors()[3].line, 9u);
  EXPECT_NE(im.errors()[3].error.find("reserved"), std::string::npos);
  EXPECT_EQ(im.errors()[4].line, 10u);
  EXPECT_EQ(im.errors()[4].error, "missing \"url\"");
}

TEST(ImportStream, RefusedRowsReportTheirLinesInOrder) {
  import_stream im(/*batch_rows=*/2, /*max_errors=*/3, /*max_in_flight=*/2);
  im.feed("code,url\na,x.example\nb,y.example\nbad!,z\n");
  ASSERT_TRUE(im.batch_due());
  auto first = im.start_batch();
  ASSERT_EQ(first.rows.size(), 2u);
  // The next batch is read while the first is in flight.
  im.feed("c,w.example\n");
  EXPECT_FALSE(im.batch_due());  // not full, not the end
  im.finish();
  ASSERT_TRUE(im.batch_due());
  auto second = im.start_batch();
  ASSERT_EQ(second.rows.size(), 1u);
  EXPECT_EQ(im.in_flight(), 2u);
  // Answers may come in any order.
  im.record(second.id, imported_rows(1));
  import_reply reply;
  reply.imported = 1;
  reply.refused.push_back({1, command_errc::conflict, "code \"b\" is already taken"});
  im.record(first.id, std::move(reply));
  EXPECT_EQ(im.in_flight(), 0u);
  http_response res = im.response();
  EXPECT_EQ(res.result(), http_status::ok);
  auto body = body_of(res);
  EXPECT_EQ(body.at("imported").as_int64(), 2);
  EXPECT_EQ(body.at("skipped").as_int64(), 2);
  auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("line").as_int64(), 3);
  EXPECT_EQ(errors[0].at("error").as_string(), "code \"b\" is already taken");
  EXPECT_EQ(errors[1].at("line").as_int64(), 4);
}

TEST(ImportStream, FullBatchWaitsForAFreeSlot) {
  import_stream im(/*batch_rows=*/1, kImportMaxErrors, /*max_in_flight=*/1);
  im.feed("code,url\na,x.example\n");
  auto first = im.start_batch();
  im.feed("b,y.example\n");
  EXPECT_TRUE(im.batch_full());
  EXPECT_FALSE(im.batch_due());
  im.record(first.id, imported_rows(1));
  EXPECT_TRUE(im.batch_due());
}

TEST(ImportStream, KeepsOnlyTheFirstErrorsButCountsAll) {
  import_stream im(kImportBatchRows, 3);
  im.feed("code,url\n");
  for (int i = 0; i < 20; ++i) im.feed("x\n");
  im.finish();
  EXPECT_EQ(im.skipped(), 20u);
  ASSERT_EQ(im.errors().size(), 3u);
  EXPECT_EQ(im.errors()[0].line, 2u);
  EXPECT_EQ(im.errors()[2].line, 4u);
}

TEST(ImportStream, CleanImportHasNoErrorsField) {
  import_stream im;
  im.feed("code,url\nmylink,https://iii.dev\n");
  im.finish();
  im.record(im.start_batch().id, imported_rows(1));
  EXPECT_EQ(im.response().body(), R"({"imported":1,"skipped":0})");
}

TEST(ImportStream, UnavailableBatchFailsWith503AndCounts) {
  import_stream im;
  im.feed("code,url\na,x.example\n");
  im.record(im.start_batch().id, stopped("log unavailable"));
  EXPECT_TRUE(im.failed());
  im.feed("b,y.example\n");
  im.finish();
  EXPECT_FALSE(im.batch_due());  // nothing more is sent
  http_response res = im.response();
  EXPECT_EQ(res.result(), http_status::service_unavailable);
  auto body = body_of(res);
  EXPECT_EQ(body.at("error").as_string(), "import stopped: log unavailable");
  EXPECT_EQ(body.at("imported").as_int64(), 0);
}

// Long urls fill a batch long before its row count: bytes close it too.
TEST(ImportStream, BatchIsFullAtItsByteBudget) {
  import_stream im(/*batch_rows=*/1000, kImportMaxErrors, kImportMaxInFlight,
                   /*batch_bytes=*/100);
  const std::string url = "https://x.example/" + std::string(30, 'p');  // 48 bytes
  im.feed("code,url\na," + url + "\n");
  EXPECT_FALSE(im.batch_full());
  im.feed("b," + url + "\n");  // 98 bytes of codes and urls
  EXPECT_FALSE(im.batch_full());
  im.feed("c," + url + "\n");
  EXPECT_TRUE(im.batch_full());
  ASSERT_TRUE(im.batch_due());
  EXPECT_EQ(im.start_batch().rows.size(), 3u);
  // The next batch counts from zero.
  im.feed("d," + url + "\n");
  EXPECT_FALSE(im.batch_full());
}

TEST(ImportStream, DefaultBatchOfLongUrlsStaysWithinFourMiB) {
  import_stream im;
  const std::string url = "https://x.example/" + std::string(2000, 'p');
  im.feed("code,url\n");
  std::size_t rows = 0;
  while (!im.batch_full()) {
    im.feed("," + url + "\n");
    ++rows;
  }
  EXPECT_LT(rows, kImportBatchRows);
  EXPECT_EQ(rows, (kImportBatchBytes + url.size() - 1) / url.size());
}

TEST(ImportStream, AbortAnswersItsStatusWithTheCountsSoFar) {
  import_stream im;
  im.feed("code,url\na,x.example\nbad!,y.example\n");
  auto first = im.start_batch();
  im.feed("b,z.example\n");
  im.abort(http_status::payload_too_large, "request body too large");
  EXPECT_TRUE(im.failed());
  EXPECT_FALSE(im.batch_due());  // the waiting row is not sent
  EXPECT_EQ(im.in_flight(), 1u);
  im.record(first.id, imported_rows(1));
  // A later failure does not replace the first.
  im.abort(http_status::bad_request, "malformed request");
  http_response res = im.response();
  EXPECT_EQ(res.result(), http_status::payload_too_large);
  auto body = body_of(res);
  EXPECT_EQ(body.at("error").as_string(), "request body too large");
  EXPECT_EQ(body.at("imported").as_int64(), 1);
  EXPECT_EQ(body.at("skipped").as_int64(), 1);
}

TEST(ImportStream, ContentTypeIsTextCsvWithAnyParameters) {
  EXPECT_TRUE(is_csv_content_type("text/csv"));
  EXPECT_TRUE(is_csv_content_type("Text/CSV; charset=utf-8"));
  EXPECT_FALSE(is_csv_content_type("application/json"));
  EXPECT_FALSE(is_csv_content_type(""));
  EXPECT_FALSE(is_csv_content_type("text/csvx"));
}

}  // namespace
}  // namespace linkly
