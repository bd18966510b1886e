// Bulk import against a real `linkly serve`: the tutorial's check over HTTP,
// and `linkly import FILE.csv`.

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json/parse.hpp>

#include <fstream>

namespace linkly::e2e {
namespace {

const std::string kTutorialCsv =
    "code,url\nmylink,https://iii.dev\nmydocslink,https://iii.dev/docs\n";

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

class ImportTest : public ::testing::Test {
 protected:
  void TearDown() override { EXPECT_TRUE(server_.stop().success()) << server_.output_text(); }

  http_response import_csv(const std::string& body) {
    return client_.request("POST", "/links/import", body, {{"Content-Type", "text/csv"}});
  }

  std::string write_file(const std::string& name, const std::string& contents) {
    std::string path = data_.path() + "/" + name;
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::string server_url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

  void expect_redirect(const std::string& code, const std::string& location) {
    http_response res = client_.get("/" + code);
    EXPECT_EQ(res.status, 302) << res.describe();
    EXPECT_EQ(res.header("Location"), location) << res.describe();
  }

  temp_dir data_;
  server_process server_{data_.path()};
  http_client client_{server_.port()};
};

TEST_F(ImportTest, TutorialImportThenReimportSkipsBoth) {
  http_response first = import_csv(kTutorialCsv);
  ASSERT_EQ(first.status, 200) << first.describe();
  EXPECT_EQ(first.json(), boost::json::parse(R"({"imported":2,"skipped":0})")) << first.body;
  expect_redirect("mylink", "https://iii.dev");
  expect_redirect("mydocslink", "https://iii.dev/docs");
  EXPECT_EQ(client_.get("/s/mydocslink").header("Location"), "https://iii.dev/docs");

  http_response again = import_csv(kTutorialCsv);
  ASSERT_EQ(again.status, 200) << again.describe();
  boost::json::object body = json_object(again);
  EXPECT_EQ(body["imported"], 0) << again.body;
  EXPECT_EQ(body["skipped"], 2) << again.body;
}

TEST_F(ImportTest, ImportedLinksSurviveARestart) {
  ASSERT_EQ(import_csv(kTutorialCsv).status, 200);
  ASSERT_TRUE(server_.stop().success()) << server_.output_text();
  server_process restarted(data_.path());
  http_client client(restarted.port());
  EXPECT_EQ(client.get("/mylink").header("Location"), "https://iii.dev");
  EXPECT_TRUE(restarted.stop().success()) << restarted.output_text();
  // TearDown's stop of the first server is a no-op now.
}

TEST_F(ImportTest, CliImportsAFileAndPrintsTheAnswer) {
  std::string path = write_file("links.csv", kTutorialCsv + "bad code,https://x.example\r\n");
  cli_result res = run_linkly({"import", path, "--server", server_url()});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  boost::json::object body = boost::json::parse(res.out).as_object();
  EXPECT_EQ(body["imported"], 2) << res.out;
  EXPECT_EQ(body["skipped"], 1) << res.out;
  EXPECT_EQ(body["errors"].as_array()[0].at("line"), 4) << res.out;
  expect_redirect("mylink", "https://iii.dev");

  cli_result again = run_linkly({"import", path, "--server", server_url()});
  ASSERT_EQ(again.exit_code(), 0) << again.describe();
  EXPECT_EQ(boost::json::parse(again.out).at("skipped"), 3) << again.out;
}

TEST_F(ImportTest, CliStreamsAFileLargerThanTheJsonBodyLimit) {
  std::string csv = "code,url\n";
  int rows = 0;
  while (csv.size() < 1024 * 1024) {
    csv += "f" + std::to_string(rows) + ",example.com/" + std::to_string(rows) + "\n";
    ++rows;
  }
  std::string path = write_file("big.csv", csv);
  cli_result res = run_linkly({"import", path, "--server", server_url()});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  EXPECT_EQ(boost::json::parse(res.out).at("imported"), rows) << res.out;
  expect_redirect("f" + std::to_string(rows - 1),
                  "https://example.com/" + std::to_string(rows - 1));
}

TEST_F(ImportTest, CliFailsClearlyOnAnUnreadableFile) {
  cli_result res = run_linkly({"import", data_.path() + "/missing.csv", "--server", server_url()});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "cannot read")) << res.describe();
  EXPECT_TRUE(contains(res.err, "missing.csv")) << res.describe();
}

TEST_F(ImportTest, CliFailsClearlyOnAnUnreachableServer) {
  // A port that was free a moment ago: nothing listens on it.
  std::uint16_t port = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor probe(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = probe.local_endpoint().port();
  }
  std::string path = write_file("links.csv", kTutorialCsv);
  cli_result res =
      run_linkly({"import", path, "--server", "http://127.0.0.1:" + std::to_string(port)});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "cannot connect")) << res.describe();
}

TEST_F(ImportTest, CliFailsOnANon2xxAnswer) {
  std::string path = write_file("links.csv", kTutorialCsv);
  // /links/import behind a base path that does not exist: the server says 404.
  cli_result res = run_linkly({"import", path, "--server", server_url() + "/nowhere"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "answered 404")) << res.describe();
  EXPECT_TRUE(contains(res.out, "\"error\"")) << res.describe();
}

// The refusal comes back as the answer to 100-continue: the file is never sent.
TEST(ImportLimitTest, CliReportsTheServers413ForAFileOverTheImportLimit) {
  temp_dir data;
  server_options options;
  options.extra_args = {"--http-max-import-bytes", "1000"};
  server_process server(data.path(), options);
  std::string path = data.path() + "/big.csv";
  {
    std::ofstream out(path, std::ios::binary);
    out << "code,url\n";
    for (int i = 0; i < 1000; ++i) out << "l" << i << ",https://example.com/" << i << "\n";
  }
  cli_result res =
      run_linkly({"import", path, "--server", "http://127.0.0.1:" + std::to_string(server.port())});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.err, "answered 413")) << res.describe();
  EXPECT_TRUE(contains(res.out, "request body too large")) << res.describe();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

// The import is refused on its header alone when the token is missing.
TEST(ImportAuthTest, CliSendsTheTokenFromTheEnvironment) {
  const std::string token = "import-test-token-0123456789";
  temp_dir data;
  server_options options;
  options.extra_args = {"--auth-token", token};
  server_process server(data.path(), options);
  std::string path = data.path() + "/links.csv";
  std::ofstream(path, std::ios::binary) << kTutorialCsv;
  const std::vector<std::string> args = {"import", path, "--server",
                                         "http://127.0.0.1:" + std::to_string(server.port())};
  cli_result refused = run_linkly(args);
  EXPECT_EQ(refused.exit_code(), 1) << refused.describe();
  EXPECT_TRUE(contains(refused.err, "answered 401")) << refused.describe();

  cli_result accepted = run_linkly(args, cli_options{{{"LINKLY_TOKEN", token}}});
  ASSERT_EQ(accepted.exit_code(), 0) << accepted.describe();
  EXPECT_EQ(boost::json::parse(accepted.out).at("imported"), 2) << accepted.out;
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
