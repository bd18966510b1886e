// POST /links/import through a real server: streaming, limits, line numbers.

#include "tests/http/server_fixture.hpp"

#include "http/import_stream.hpp"
#include "http/server.hpp"

#include <boost/json/parse.hpp>

#include <memory>
#include <sstream>
#include <vector>

namespace linkly::testing {
namespace {

class ImportServerTest : public ServerFixture {
 protected:
  client_response import_csv(std::string body, std::string content_type = "text/csv") {
    client_request req{http::verb::post, "/links/import", 11};
    req.set(http::field::content_type, content_type);
    req.body() = std::move(body);
    return connect().send(std::move(req));
  }

  static boost::json::object json_of(const client_response& res) {
    EXPECT_EQ(res[http::field::content_type], "application/json") << res.body();
    return boost::json::parse(res.body()).as_object();
  }

  std::string location_of(const std::string& code) {
    auto res = fetch(http::verb::get, "/s/" + code);
    return res.result() == http::status::found ? std::string(res[http::field::location]) : "";
  }

  static std::string chunk(std::string_view data) {
    std::ostringstream hex;
    hex << std::hex << data.size();
    return hex.str() + "\r\n" + std::string(data) + "\r\n";
  }

  static std::string chunked(std::string_view body, std::size_t chunk_bytes = 16 * 1024) {
    std::string out;
    for (std::size_t at = 0; at < body.size(); at += chunk_bytes)
      out += chunk(body.substr(at, chunk_bytes));
    return out;
  }

  static constexpr std::string_view kChunkedImportHead =
      "POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
      "Transfer-Encoding: chunked\r\n";

  // A header line, one skipped row, then exactly one full batch of valid
  // rows: that batch is sent as soon as the read that fills it ends.
  static std::string one_batch_csv() {
    std::string csv = "code,url\nbad!,https://bad.example\n";
    for (std::size_t i = 0; i < kImportBatchRows; ++i)
      csv += "c" + std::to_string(i) + ",https://x.example/" + std::to_string(i) + "\n";
    return csv;
  }

  // Appends rows "m0", "m1", ... until `csv` holds `bytes`; the last code.
  static std::string append_rows(std::string* csv, std::size_t bytes) {
    int i = 0;
    for (; csv->size() < bytes; ++i)
      *csv += "m" + std::to_string(i) + ",https://more.example/" + std::to_string(i) + "\n";
    return "m" + std::to_string(i - 1);
  }

  // The answer to an import stopped after one_batch_csv(): its batch
  // written, its counts reported.
  void expect_first_batch_reported(const client_response& res, std::string_view error) {
    auto body = json_of(res);
    EXPECT_EQ(body.at("error").as_string(), error);
    auto imported = body.at("imported").as_int64();
    // The batch may have taken the rest of its last 64 KiB read with it.
    EXPECT_GE(imported, static_cast<std::int64_t>(kImportBatchRows));
    EXPECT_LT(imported, static_cast<std::int64_t>(kImportBatchRows) + 4096);
    EXPECT_EQ(body.at("skipped").as_int64(), 1);
    EXPECT_EQ(body.at("errors").as_array().at(0).at("line").as_int64(), 2);
    EXPECT_FALSE(res.keep_alive());
    EXPECT_EQ(engine_->view().size(), static_cast<std::size_t>(imported));
    EXPECT_EQ(location_of("c0"), "https://x.example/0");
    EXPECT_EQ(location_of("c" + std::to_string(kImportBatchRows - 1)),
              "https://x.example/" + std::to_string(kImportBatchRows - 1));
  }
};

TEST_F(ImportServerTest, ImportsRowsAndSkipsTakenCodesOnSecondRun) {
  start_server();
  const std::string csv = "code,url\nmylink,https://iii.dev\nmydocslink,https://iii.dev/docs\n";
  auto first = import_csv(csv);
  ASSERT_EQ(first.result(), http::status::ok) << first.body();
  EXPECT_EQ(first.body(), R"({"imported":2,"skipped":0})");
  EXPECT_EQ(location_of("mylink"), "https://iii.dev");
  EXPECT_EQ(location_of("mydocslink"), "https://iii.dev/docs");
  auto again = import_csv(csv);
  ASSERT_EQ(again.result(), http::status::ok) << again.body();
  auto body = json_of(again);
  EXPECT_EQ(body.at("imported").as_int64(), 0);
  EXPECT_EQ(body.at("skipped").as_int64(), 2);
  auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("line").as_int64(), 2);
  EXPECT_EQ(errors[0].at("error").as_string(), "code \"mylink\" is already taken");
}

TEST_F(ImportServerTest, MalformedRowIsSkippedWithLineAndReason) {
  start_server();
  auto res = import_csv(
      "code,url\r\n"
      "ok1, https://a.example \r\n"
      "\r\n"
      "bad,javascript:alert(1)\r\n"
      "ok1,https://dup.example\r\n"
      ",example.com/generated\r\n");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto body = json_of(res);
  EXPECT_EQ(body.at("imported").as_int64(), 2);
  EXPECT_EQ(body.at("skipped").as_int64(), 2);
  auto& errors = body.at("errors").as_array();
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].at("line").as_int64(), 4);
  EXPECT_EQ(errors[0].at("error").as_string(), "invalid url: only http and https urls are allowed");
  // A code used twice in one file: the second is a conflict.
  EXPECT_EQ(errors[1].at("line").as_int64(), 5);
  EXPECT_EQ(location_of("ok1"), "https://a.example");
  EXPECT_EQ(engine_->view().size(), 2u);
}

TEST_F(ImportServerTest, CrLfRowsAreTrimmed) {
  start_server();
  auto res = import_csv("code,url\r\n crlf1 ,example.com/one\r\ncrlf2,https://two.example\r\n");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), R"({"imported":2,"skipped":0})");
  EXPECT_EQ(location_of("crlf1"), "https://example.com/one");
  EXPECT_EQ(location_of("crlf2"), "https://two.example");
}

TEST_F(ImportServerTest, WrongContentTypeIs415) {
  start_server();
  auto res = import_csv("code,url\na,https://a.example\n", "application/json");
  EXPECT_EQ(res.result(), http::status::unsupported_media_type);
  EXPECT_EQ(json_of(res).at("error").as_string(), "expected Content-Type: text/csv");
  EXPECT_EQ(engine_->view().size(), 0u);
}

TEST_F(ImportServerTest, OtherMethodsAre405) {
  start_server();
  auto res = fetch(http::verb::get, "/links/import");
  EXPECT_EQ(res.result(), http::status::method_not_allowed);
  EXPECT_EQ(res[http::field::allow], "POST");
}

// Rows near the url limit make a 10 MB body out of a few thousand links.
TEST_F(ImportServerTest, TenMegabyteImportIsAcceptedWhileJsonLimitHolds) {
  start_server();
  const std::string path(2000, 'p');
  std::string csv = "code,url\n";
  std::size_t rows = 0;
  while (csv.size() < 10u * 1024 * 1024) {
    csv += "big" + std::to_string(rows++) + ",https://big.example/" + path + "\n";
  }
  auto res = import_csv(std::move(csv));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(json_of(res).at("imported").as_int64(), static_cast<std::int64_t>(rows));
  EXPECT_EQ(engine_->view().size(), rows);

  std::string body = R"({"url":"https://a.example/)" + std::string(70 * 1024, 'x') + "\"}";
  auto big_json = fetch(http::verb::post, "/links", body);
  EXPECT_EQ(big_json.result(), http::status::payload_too_large);
}

TEST_F(ImportServerTest, ImportOverItsLimitIs413) {
  options_.max_import_bytes = 256 * 1024;
  start_server();
  std::string csv = "code,url\n";
  for (int i = 0; csv.size() < 300 * 1024; ++i) {
    csv += "c" + std::to_string(i) + ",https://x.example/" + std::to_string(i) + "\n";
  }
  auto res = import_csv(std::move(csv));
  EXPECT_EQ(res.result(), http::status::payload_too_large);
  EXPECT_EQ(json_of(res).at("error").as_string(), "request body too large");
  EXPECT_EQ(engine_->view().size(), 0u);
}

// A chunked body is counted as it comes: rows before the limit may be
// written already, and the 413 says how many.
TEST_F(ImportServerTest, ChunkedImportOverItsLimitIs413) {
  std::string csv = one_batch_csv();
  // Past the read that fills the batch (64 KiB) and the chunk that crosses
  // the limit (16 KiB), so the batch is always sent first.
  options_.max_import_bytes = csv.size() + 128 * 1024;
  std::string last = append_rows(&csv, options_.max_import_bytes + 64 * 1024);
  start_server();
  auto client = connect();
  ASSERT_TRUE(client.write_raw(std::string(kChunkedImportHead) + "\r\n" + chunked(csv)));
  auto res = client.read_response();
  ASSERT_EQ(res.result(), http::status::payload_too_large) << res.body();
  expect_first_batch_reported(res, "request body too large");
  EXPECT_EQ(location_of(last), "");  // past the limit
}

TEST_F(ImportServerTest, MalformedChunkAfterWrittenRowsIs400WithCounts) {
  start_server();
  auto client = connect();
  std::string csv = one_batch_csv();
  // The bad chunk comes reads after the batch is full, not in the same one.
  append_rows(&csv, csv.size() + 128 * 1024);
  ASSERT_TRUE(client.write_raw(std::string(kChunkedImportHead) + "\r\n" + chunked(csv) +
                               "zz\r\nnot a chunk\r\n"));
  auto res = client.read_response();
  ASSERT_EQ(res.result(), http::status::bad_request) << res.body();
  expect_first_batch_reported(res, "malformed request");
}

// Four imports hold every slot; a fifth is refused before its body is read,
// and a slot is free again once an import has answered.
TEST_F(ImportServerTest, FifthConcurrentImportIs503) {
  start_server();
  const std::string head = std::string(kChunkedImportHead) + "Expect: 100-continue\r\n\r\n";
  std::vector<std::unique_ptr<test_client>> held;
  for (std::size_t i = 0; i < options_.max_concurrent_imports; ++i) {
    auto& client = *held.emplace_back(std::make_unique<test_client>(server_->port()));
    ASSERT_TRUE(client.write_raw(head));
    // The 100 Continue comes once the import holds its slot.
    ASSERT_EQ(client.read_raw_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n") << i;
    ASSERT_TRUE(
        client.write_raw(chunk("code,url\nheld" + std::to_string(i) + ",https://held.example\n")));
  }
  auto refused = import_csv("code,url\nfifth,https://fifth.example\n");
  ASSERT_EQ(refused.result(), http::status::service_unavailable) << refused.body();
  EXPECT_EQ(json_of(refused).at("error").as_string(), "too many imports in progress, try again");
  EXPECT_EQ(location_of("fifth"), "");

  ASSERT_TRUE(held[0]->write_raw("0\r\n\r\n"));
  auto done = held[0]->read_response();
  ASSERT_EQ(done.result(), http::status::ok) << done.body();
  EXPECT_EQ(done.body(), R"({"imported":1,"skipped":0})");
  auto next = import_csv("code,url\nfifth,https://fifth.example\n");
  ASSERT_EQ(next.result(), http::status::ok) << next.body();
  EXPECT_EQ(location_of("fifth"), "https://fifth.example");
}

// Many batches, each row checked against the rows of earlier batches.
TEST_F(ImportServerTest, LargeImportSpansBatchesAndFindsDuplicatesAcrossThem) {
  start_server();
  std::string csv = "code,url\n";
  const int rows = 70'000;
  for (int i = 0; i < rows; ++i)
    csv += "r" + std::to_string(i) + ",x.example/" + std::to_string(i) + "\n";
  csv += "r5,https://dup.example\n";
  for (int i = 0; i < 100; ++i) csv += ",gen.example/" + std::to_string(i) + "\n";
  auto res = import_csv(std::move(csv));
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  auto body = json_of(res);
  EXPECT_EQ(body.at("imported").as_int64(), rows + 100);
  EXPECT_EQ(body.at("skipped").as_int64(), 1);
  EXPECT_EQ(body.at("errors").as_array()[0].at("line").as_int64(), rows + 2);
  EXPECT_EQ(location_of("r5"), "https://x.example/5");
  EXPECT_EQ(engine_->view().size(), static_cast<std::size_t>(rows + 100));
}

TEST_F(ImportServerTest, ExpectContinueAndKeepAliveAfterImport) {
  start_server();
  auto client = connect();
  std::string body = "code,url\ncont,https://c.example\n";
  ASSERT_TRUE(
      client.write_raw("POST /links/import HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n"
                       "Content-Type: text/csv\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n"));
  EXPECT_EQ(client.read_raw_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(client.write_raw(body));
  auto res = client.read_response();
  EXPECT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_TRUE(res.keep_alive());
  EXPECT_EQ(client.request(http::verb::get, "/s/cont").result(), http::status::found);
}

TEST_F(ImportServerTest, EmptyBodyImportsNothing) {
  start_server();
  auto res = import_csv("");
  ASSERT_EQ(res.result(), http::status::ok) << res.body();
  EXPECT_EQ(res.body(), R"({"imported":0,"skipped":0})");
}

}  // namespace
}  // namespace linkly::testing
