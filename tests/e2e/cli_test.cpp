// The `linkly` command line: help, log dump, settings (errors, YAML), startup
// failures.

#include "tests/http/stream_test_client.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <utility>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// A `serve` that is expected to refuse to start gets this long before the
// test gives up on it (and kills it).
const cli_options kRefusal{{}, 15s};

TEST(CliTest, HelpListsSettingsAndExitsZero) {
  cli_result res = run_linkly({"--help"});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  std::string text = res.out + res.err;
  EXPECT_TRUE(contains(text, "--data")) << text;
  EXPECT_TRUE(contains(text, "--listen")) << text;
  EXPECT_TRUE(contains(text, "LINKLY_DATA")) << text;
  EXPECT_TRUE(contains(text, "serve")) << text;
}

TEST(CliTest, LogDumpRefusesWhileAServerHoldsTheStore) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com", "demo").status, 201);

  cli_result res = run_linkly({"log", "dump", "links", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "running")) << res.describe();
  EXPECT_TRUE(res.out.empty()) << res.describe();

  // The server is unharmed.
  EXPECT_EQ(client.get("/s/demo").status, 302);
  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CliTest, LogDumpPrintsJsonLinesAfterStop) {
  temp_dir data;
  {
    server_process server(data.path());
    http_client client(server.port());
    ASSERT_EQ(create_link(client, "https://example.com/a", "a").status, 201);
    ASSERT_EQ(create_link(client, "https://example.com/b", "b").status, 201);
    ASSERT_EQ(client.put("/links/a", link_body("https://example.com/a2")).status, 200);
    ASSERT_EQ(client.del("/links/b").status, 204);
    client.close();
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }

  cli_result res = run_linkly({"log", "dump", "links", "--data", data.path()});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  std::string why;
  auto events = parse_dump(res.out_lines(), &why);
  ASSERT_TRUE(events.has_value()) << why;
  ASSERT_EQ(events->size(), 4u) << res.out;
  struct expected {
    const char* type;
    const char* code;
    const char* url;
  } want[] = {{"LinkCreated", "a", "https://example.com/a"},
              {"LinkCreated", "b", "https://example.com/b"},
              {"LinkUpdated", "a", "https://example.com/a2"},
              {"LinkDeleted", "b", ""}};
  for (std::size_t i = 0; i < 4; ++i) {
    const dumped_event& e = (*events)[i];
    EXPECT_EQ(e.seq, i + 1) << res.out;
    EXPECT_EQ(e.type, want[i].type) << res.out;
    EXPECT_EQ(e.key, want[i].code) << res.out;
    EXPECT_EQ(e.code, want[i].code) << res.out;
    EXPECT_EQ(e.url, want[i].url) << res.out;
  }

  cli_result page =
      run_linkly({"log", "dump", "links", "--data", data.path(), "--from", "2", "--limit", "2"});
  ASSERT_EQ(page.exit_code(), 0) << page.describe();
  auto paged = parse_dump(page.out_lines(), &why);
  ASSERT_TRUE(paged.has_value()) << why;
  ASSERT_EQ(paged->size(), 2u) << page.out;
  EXPECT_EQ((*paged)[0].seq, 2u);
  EXPECT_EQ((*paged)[1].seq, 3u);
}

TEST(CliTest, LogDumpOfAnEmptyDirectoryFailsClearly) {
  temp_dir data;
  cli_result res = run_linkly({"log", "dump", "links", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_FALSE(res.err.empty()) << res.describe();
}

TEST(CliTest, InvalidFlagValueIsRefusedByName) {
  temp_dir data;
  cli_result res = run_linkly(
      {"serve", "--data", data.path(), "--listen", "127.0.0.1:0", "--http-max-body-bytes", "abc"},
      kRefusal);
  EXPECT_FALSE(res.timed_out) << "serve started despite an invalid setting\n" << res.describe();
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "--http-max-body-bytes")) << res.describe();
  EXPECT_TRUE(contains(res.err, "abc")) << res.describe();
}

TEST(CliTest, InvalidEnvironmentValueIsRefusedByName) {
  temp_dir data;
  cli_options options = kRefusal;
  options.env = {{"LINKLY_HTTP_MAX_BODY_BYTES", "abc"}};
  cli_result res = run_linkly({"serve", "--data", data.path(), "--listen", "127.0.0.1:0"}, options);
  EXPECT_FALSE(res.timed_out) << "serve started despite an invalid setting\n" << res.describe();
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "LINKLY_HTTP_MAX_BODY_BYTES")) << res.describe();
}

TEST(CliTest, UnknownYamlKeyIsRefusedByName) {
  temp_dir data;
  std::string config = data.path() + "/linkly.yaml";
  std::ofstream(config) << "http:\n  max_body_bites: 1024\n";
  cli_result res = run_linkly(
      {"serve", "--config", config, "--data", data.path() + "/d", "--listen", "127.0.0.1:0"},
      kRefusal);
  EXPECT_FALSE(res.timed_out) << "serve started despite an unknown setting\n" << res.describe();
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "http.max_body_bites")) << res.describe();
  EXPECT_TRUE(contains(res.err, config)) << res.describe();
}

TEST(CliTest, InvalidYamlValueIsRefusedByName) {
  temp_dir data;
  std::string config = data.path() + "/linkly.yaml";
  std::ofstream(config) << "http:\n  max_body_bytes: lots\n";
  cli_result res = run_linkly(
      {"serve", "--config", config, "--data", data.path() + "/d", "--listen", "127.0.0.1:0"},
      kRefusal);
  EXPECT_FALSE(res.timed_out) << "serve started despite an invalid setting\n" << res.describe();
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "http.max_body_bytes")) << res.describe();
}

TEST(CliTest, YamlConfigIsApplied) {
  temp_dir data;
  std::string config = data.path() + "/linkly.yaml";
  std::ofstream(config) << "http:\n  max_body_bytes: 100\n";
  server_options options;
  options.extra_args = {"--config", config};
  server_process server(data.path() + "/d", options);
  http_client client(server.port());
  http_response small = create_link(client, "https://example.com", "small");
  EXPECT_EQ(small.status, 201) << small.describe();
  http_response big = create_link(client, "https://example.com/" + std::string(200, 'x'), "big");
  EXPECT_EQ(big.status, 413) << big.describe();
  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CliTest, ShippedYamlConfigIsAccepted) {
  temp_dir data;
  server_options options;
  options.extra_args = {"--config", std::string(LINKLY_SOURCE_DIR) + "/config/linkly.yaml"};
  server_process server(data.path(), options);
  http_client client(server.port());
  EXPECT_EQ(client.get("/healthz").status, 200);
  client.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CliTest, NonPositiveStreamAndProjectionSettingsAreRefusedByName) {
  temp_dir data;
  const std::pair<std::string, std::string> bad[] = {
      {"--http-max-sse-buffer-bytes", "0"}, {"--http-sse-keep-alive-ms", "0"},
      {"--http-max-click-listeners", "0"},  {"--projections-batch-events", "0"},
      {"--projections-max-retries", "0"},   {"--projections-backoff-ms", "3600001"},
  };
  for (const auto& [flag, value] : bad) {
    cli_result res = run_linkly(
        {"serve", "--data", data.path(), "--listen", "127.0.0.1:0", flag, value}, kRefusal);
    EXPECT_FALSE(res.timed_out) << flag << " " << value << " was accepted\n" << res.describe();
    EXPECT_NE(res.exit_code(), 0) << res.describe();
    EXPECT_TRUE(contains(res.err, flag)) << res.describe();
  }
}

TEST(CliTest, StreamSettingsFromYamlAreApplied) {
  temp_dir data;
  std::string config = data.path() + "/linkly.yaml";
  std::ofstream(config) << "http:\n  max_click_listeners: 1\n  sse_keep_alive_ms: 50\n";
  server_options options;
  options.extra_args = {"--config", config};
  server_process server(data.path() + "/d", options);
  linkly::testing::stream_test_client first(server.port());
  ASSERT_EQ(first.open("/clicks/stream"), 200) << first.header();
  // Quiet, so the next block is a keep-alive: well within the client's 5 s
  // deadline at 50 ms, never at the default 15 s.
  auto keep_alive = first.next(linkly::testing::stream_test_client::kDeadline, true);
  ASSERT_TRUE(keep_alive.has_value()) << server.output_text();
  EXPECT_FALSE(keep_alive->comment.empty());
  linkly::testing::stream_test_client second(server.port());
  EXPECT_EQ(second.open("/clicks/stream"), 503) << second.header();
  first.close();
  second.close();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(CliTest, ServeOnAPortInUseFailsClearly) {
  temp_dir first_data, second_data;
  server_process first(first_data.path());
  std::string port = std::to_string(first.port());

  cli_result res = run_linkly(
      {"serve", "--data", second_data.path(), "--listen", "127.0.0.1:" + port}, kRefusal);
  EXPECT_FALSE(res.timed_out) << "second serve did not exit\n" << res.describe();
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  std::string text = res.out + res.err;
  EXPECT_TRUE(contains(text, port)) << res.describe();
  EXPECT_TRUE(contains(text, "listen")) << res.describe();

  // The first server still answers.
  http_client client(first.port());
  EXPECT_EQ(client.get("/healthz").status, 200);
  client.close();
  EXPECT_TRUE(first.stop().success()) << first.output_text();
}

TEST(CliTest, SigintStopsGracefully) {
  temp_dir data;
  server_process server(data.path());
  ::kill(server.pid(), SIGINT);
  auto st = server.wait_exit(15s);
  ASSERT_TRUE(st.has_value()) << "no exit within 15 s of SIGINT\n" << server.output_text();
  EXPECT_TRUE(st->success()) << st->describe() << "\n" << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
