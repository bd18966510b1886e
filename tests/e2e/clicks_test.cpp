// Clicks recorded off the redirect path: every redirect a client got a 302
// for ends up in the clicks log (DATA/clicks), including those still queued
// when SIGTERM arrives; nothing else does. And the `linkly dlq` commands
// around an empty dead-letter store. (Dead-lettering itself needs a failing
// disk: tests/actors cover it.)

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <charconv>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

const header_list kClickHeaders = {
    {"CF-IPCountry", "DE"}, {"Referer", "https://ref.example/x"}, {"User-Agent", "test-agent"}};

// `linkly log dump clicks --data DIR`, parsed: the whole line of each
// event. Fails the test (and returns nullopt) when the dump fails or a line
// is not a JSON object with an "event" object.
std::optional<std::vector<boost::json::object>> dump_clicks(const std::string& data_dir) {
  cli_result res = run_linkly({"log", "dump", "clicks", "--data", data_dir});
  if (res.exit_code() != 0) {
    ADD_FAILURE() << "linkly log dump clicks failed\n" << res.describe();
    return std::nullopt;
  }
  std::vector<boost::json::object> lines;
  for (const std::string& line : res.out_lines()) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(line, ec);
    if (ec || !value.is_object() || !value.as_object().contains("event") ||
        !value.as_object().at("event").is_object()) {
      ADD_FAILURE() << "not a log dump line: " << line;
      return std::nullopt;
    }
    lines.push_back(value.as_object());
  }
  return lines;
}

// The member `name` of `o`, null when absent.
boost::json::value field(const boost::json::object& o, const char* name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr ? *v : boost::json::value(nullptr);
}

std::size_t count_clicks(const std::vector<boost::json::object>& lines) {
  std::size_t n = 0;
  for (const auto& line : lines) {
    if (line.contains("type") && line.at("type") == "ClickRecorded") ++n;
  }
  return n;
}

std::string show(const std::vector<boost::json::object>& lines) {
  std::string out;
  for (const auto& line : lines) out += boost::json::serialize(line) + "\n";
  return out;
}

// The value of an unlabelled sample `name` in a Prometheus text body.
std::optional<double> metric_value(const std::string& body, const std::string& name) {
  std::istringstream in(body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name, 0) != 0 || line.size() <= name.size()) continue;
    if (line[name.size()] != ' ') continue;  // another metric with this prefix, or labels
    try {
      return std::stod(line.substr(name.size() + 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

// Creates `code` -> `url` and asserts 201.
void create(http_client& client, const std::string& url, const std::string& code) {
  http_response res = create_link(client, url, code);
  ASSERT_EQ(res.status, 201) << res.describe();
}

// `n` GET /s/<code> with kClickHeaders, each asserted 302.
void redirect_n(http_client& client, const std::string& code, int n) {
  for (int i = 0; i < n; ++i) {
    http_response res = client.request("GET", "/s/" + code, {}, kClickHeaders);
    ASSERT_EQ(res.status, 302) << res.describe();
  }
}

TEST(ClicksTest, TutorialRedirectsAreInTheClicksLogAfterSigterm) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  create(client, "https://iii.dev/tutorial", "iii");
  redirect_n(client, "iii", 3);

  // /metrics counts the written clicks; the queue writes them within
  // max_wait_ms, so poll (bounded) until all three are in.
  {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    std::optional<double> written;
    http_response res;
    for (;;) {
      res = client.get("/metrics");
      if (res.status != 200) break;
      written = metric_value(res.body, "linkly_clicks_written_total");
      if (written && *written >= 3) break;
      if (std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(20ms);
    }
    if (res.status != 200) {
      ADD_FAILURE() << "GET /metrics is not served (expected 200 with linkly_clicks_written_total)"
                    << "\n"
                    << res.describe();
    } else if (!written) {
      ADD_FAILURE() << "GET /metrics has no linkly_clicks_written_total sample\n" << res.body;
    } else {
      EXPECT_EQ(*written, 3) << "linkly_clicks_written_total within 10 s of 3 redirects\n"
                             << res.body;
    }
  }

  client.close();
  exit_status st = server.stop();
  ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();

  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(lines->size(), 3u) << show(*lines);
  std::uint64_t previous_seq = 0;
  for (const auto& line : *lines) {
    EXPECT_EQ(line.at("type"), "ClickRecorded") << show(*lines);
    EXPECT_EQ(line.at("key"), "iii") << show(*lines);
    ASSERT_TRUE(line.at("seq").is_number()) << show(*lines);
    auto seq = line.at("seq").to_number<std::uint64_t>();
    EXPECT_EQ(seq, previous_seq + 1) << show(*lines);
    previous_seq = seq;
    const boost::json::object& event = line.at("event").as_object();
    std::string text = boost::json::serialize(event);
    EXPECT_EQ(field(event, "code"), "iii") << text;
    EXPECT_EQ(field(event, "url"), "https://iii.dev/tutorial") << text;
    EXPECT_EQ(field(event, "link_version"), 1) << text;
    EXPECT_EQ(field(event, "country"), "DE") << text;
    EXPECT_EQ(field(event, "referrer"), "https://ref.example/x") << text;
    EXPECT_EQ(field(event, "user_agent"), "test-agent") << text;
    EXPECT_EQ(field(event, "client_address"), "127.0.0.0") << text;
    EXPECT_TRUE(event.contains("clicked_at") && event.at("clicked_at").is_string()) << text;
    EXPECT_FALSE(event.contains("latitude")) << text;  // no CF-IPLatitude sent
  }
}

TEST(ClicksTest, SigtermWritesEveryClickAnsweredBeforeIt) {
  temp_dir data;
  server_process server(data.path());
  {
    http_client client(server.port());
    create(client, "https://iii.dev/load", "iii");
  }

  constexpr int kThreads = 16;
  std::atomic<std::uint64_t> redirects{0};
  std::atomic<std::uint64_t> other{0};
  std::vector<std::string> first_error(kThreads);
  const auto until = std::chrono::steady_clock::now() + 500ms;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      http_client client(server.port());
      while (std::chrono::steady_clock::now() < until) {
        http_response res = client.request("GET", "/s/iii", {}, kClickHeaders);
        if (res.status == 302) {
          redirects.fetch_add(1, std::memory_order_relaxed);
        } else {
          if (other.fetch_add(1, std::memory_order_relaxed) == 0) first_error[t] = res.describe();
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::uint64_t n = redirects.load();
  std::string errors;
  for (const auto& e : first_error) errors += e;
  EXPECT_EQ(other.load(), 0u) << "answers other than 302 during the load:\n" << errors;
  ASSERT_GT(n, 0u) << errors;

  // Every one of the n clicks was accepted before the signal.
  exit_status st = server.stop();
  ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();

  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  EXPECT_EQ(count_clicks(*lines), n)
      << n << " redirects answered 302 before SIGTERM; clicks log has " << count_clicks(*lines)
      << "\nserver output:\n"
      << server.output_text();
  EXPECT_EQ(lines->size(), count_clicks(*lines)) << "only ClickRecorded events expected";
}

TEST(ClicksTest, SigtermWritesClicksStillWaitingInTheQueue) {
  // Batches seal only at shutdown: the clicks are held when SIGTERM comes.
  temp_dir data;
  server_options options;
  options.extra_args = {"--queues-clicks-max-wait-ms", "600000", "--queues-clicks-max-batch",
                        "1000000"};
  server_process server(data.path(), options);
  http_client client(server.port());
  create(client, "https://iii.dev/held", "iii");
  redirect_n(client, "iii", 3);
  http_response metrics = client.get("/metrics");
  ASSERT_EQ(metrics.status, 200) << metrics.describe();
  EXPECT_EQ(metric_value(metrics.body, "linkly_clicks_written_total"), 0.0)
      << "clicks written before the queue's max_wait\n"
      << metrics.body;
  client.close();
  exit_status st = server.stop();
  ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();

  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  EXPECT_EQ(count_clicks(*lines), 3u) << show(*lines) << "\nserver output:\n"
                                      << server.output_text();
}

TEST(ClicksTest, HeadAndNotFoundRecordNoClick) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  create(client, "https://iii.dev/head", "iii");
  http_response head = client.request("HEAD", "/s/iii", {}, kClickHeaders);
  ASSERT_EQ(head.status, 302) << head.describe();
  http_response missing = client.request("GET", "/s/missing", {}, kClickHeaders);
  ASSERT_EQ(missing.status, 404) << missing.describe();
  // One real click, so that an empty log cannot pass for "no click recorded".
  redirect_n(client, "iii", 1);
  client.close();
  exit_status st = server.stop();
  ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();

  // The miss is no click: an orphan visit (tests/e2e/visits_test.cpp).
  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(lines->size(), 2u) << show(*lines);
  EXPECT_EQ((*lines)[0].at("type"), "OrphanVisit") << show(*lines);
  EXPECT_EQ((*lines)[0].at("event").at("visited_url"), "/s/missing") << show(*lines);
  EXPECT_EQ((*lines)[1].at("type"), "ClickRecorded") << show(*lines);
  EXPECT_EQ((*lines)[1].at("key"), "iii") << show(*lines);
}

// Serves with `mode`, creates iii, follows it three times and stops cleanly.
void three_redirects_in_mode(const temp_dir& data, const std::string& mode) {
  server_options options;
  options.extra_args = {"--clicks-mode", mode};
  server_process server(data.path(), options);
  http_client client(server.port());
  create(client, "https://iii.dev/" + mode, "iii");
  redirect_n(client, "iii", 3);
  client.close();
  exit_status st = server.stop();
  ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
}

TEST(ClicksTest, ClicksModeOffRecordsNone) {
  temp_dir data;
  ASSERT_NO_FATAL_FAILURE(three_redirects_in_mode(data, "off"));

  // With clicks off the server need not create the clicks log at all: an
  // empty dump and "no clicks log" both mean no click was recorded.
  cli_result res = run_linkly({"log", "dump", "clicks", "--data", data.path()});
  if (res.exit_code() == 0) {
    EXPECT_TRUE(res.out.empty()) << res.describe();
  } else {
    EXPECT_TRUE(contains(res.err, "no clicks log")) << res.describe();
  }
}

TEST(ClicksTest, ClicksModeInlineRecordsThemToo) {
  temp_dir data;
  ASSERT_NO_FATAL_FAILURE(three_redirects_in_mode(data, "inline"));

  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  ASSERT_EQ(count_clicks(*lines), 3u) << show(*lines);
  ASSERT_EQ(lines->size(), 3u) << show(*lines);
  for (const auto& line : *lines) {
    const boost::json::object& event = line.at("event").as_object();
    EXPECT_EQ(field(event, "code"), "iii") << show(*lines);
    EXPECT_EQ(field(event, "country"), "DE") << show(*lines);
  }
}

TEST(ClicksTest, LogDumpOfAnUnknownLogFailsClearly) {
  temp_dir data;
  cli_result res = run_linkly({"log", "dump", "visits", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err + res.out, "visits")) << res.describe();
}

TEST(DlqCliTest, EmptyStoreAfterAServerRan) {
  temp_dir data;
  {
    server_process server(data.path());
    http_client client(server.port());
    create(client, "https://iii.dev/dlq", "iii");
    redirect_n(client, "iii", 1);
    client.close();
    exit_status st = server.stop();
    ASSERT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
  }

  cli_result list = run_linkly({"dlq", "list", "--data", data.path()});
  EXPECT_EQ(list.exit_code(), 0) << list.describe();
  EXPECT_TRUE(list.out.empty()) << list.describe();

  cli_result discard = run_linkly({"dlq", "discard", "42", "--data", data.path()});
  EXPECT_NE(discard.exit_code(), 0) << discard.describe();
  EXPECT_TRUE(contains(discard.err, "42")) << discard.describe();

  cli_result redrive_one = run_linkly({"dlq", "redrive", "--id", "7", "--data", data.path()});
  EXPECT_NE(redrive_one.exit_code(), 0) << redrive_one.describe();
  EXPECT_TRUE(contains(redrive_one.err, "7")) << redrive_one.describe();

  cli_result redrive_all = run_linkly({"dlq", "redrive", "--data", data.path()});
  EXPECT_EQ(redrive_all.exit_code(), 0) << redrive_all.describe();
  EXPECT_TRUE(contains(redrive_all.out, "redrove 0")) << redrive_all.describe();

  // Nothing was written by the redrive: the one click is still the only one.
  auto lines = dump_clicks(data.path());
  ASSERT_TRUE(lines.has_value());
  EXPECT_EQ(count_clicks(*lines), 1u) << show(*lines);
}

TEST(DlqCliTest, RefusesWhileAServerHoldsTheStore) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  create(client, "https://iii.dev/busy", "iii");
  redirect_n(client, "iii", 1);

  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"dlq", "list", "--data", data.path()},
        std::vector<std::string>{"dlq", "redrive", "--data", data.path()},
        std::vector<std::string>{"dlq", "discard", "1", "--data", data.path()},
        std::vector<std::string>{"log", "dump", "clicks", "--data", data.path()}}) {
    cli_result res = run_linkly(args);
    EXPECT_NE(res.exit_code(), 0) << args[0] << " " << args[1] << "\n" << res.describe();
    EXPECT_TRUE(contains(res.err, "running")) << args[0] << " " << args[1] << "\n"
                                              << res.describe();
    EXPECT_TRUE(res.out.empty()) << args[0] << " " << args[1] << "\n" << res.describe();
  }

  // The server is unharmed.
  EXPECT_EQ(client.get("/s/iii").status, 302);
  client.close();
  exit_status st = server.stop();
  EXPECT_TRUE(st.success()) << st.describe() << "\n" << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
