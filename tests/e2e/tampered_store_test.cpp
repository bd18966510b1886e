// Stores on disk are not trusted blindly: a stored url tampered with (CR LF
// and a header of the attacker's choosing) is refused at the redirect with a
// 500 JSON and a log line naming the link, never written into a response
// head; and a link's history comes in pages.

#include "schemas/link_events.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace linkly::e2e {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kInjected = "X-Injected";

TEST(TamperedStoreTest, StoredUrlWithCrLfIsRefusedAt500NotSplitIntoTheResponse) {
  temp_dir data;
  {
    server_process server(data.path());
    http_client client(server.port());
    auto res = create_link(client, "https://example.com/safe", "evil");  // links-log seq 1
    ASSERT_EQ(res.status, 201) << res.describe();
    res = create_link(client, "https://example.com/fine", "fine");
    ASSERT_EQ(res.status, 201) << res.describe();
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  // The record stays well-formed (its checksum matches): only its url is bad.
  const std::string url = "https://example.com/\r\nX-Injected: yes\r\n\r\n<html>owned</html>";
  envelope forged = make_envelope(link_created{"evil", url}, 1);
  overwrite_log_record(data.path() + "/links", 1, link_created_record(1, "evil", forged.payload));
  // Without the cache snapshot the server rebuilds its links from the log.
  std::filesystem::remove_all(data.path() + "/cache");

  server_process server(data.path());
  http_client client(server.port());
  for (std::string_view target : {"/s/evil", "/evil"}) {
    http_response res = client.get(target);
    ASSERT_TRUE(res.ok()) << res.describe();
    EXPECT_EQ(res.status, 500) << res.describe();
    EXPECT_FALSE(res.has_header(kInjected)) << res.describe();
    EXPECT_FALSE(res.has_header("Location")) << res.describe();
    EXPECT_TRUE(error_message(res).has_value()) << res.describe();
    EXPECT_EQ(res.body.find("owned"), std::string::npos) << res.describe();
  }
  // The connection is still in step: the next answer is the next request's.
  http_response fine = client.get("/s/fine");
  EXPECT_EQ(fine.status, 302) << fine.describe();
  EXPECT_EQ(fine.header("Location"), "https://example.com/fine");
  EXPECT_TRUE(server.wait_for_output("\"evil\"", 10s)) << server.output_text();
  bool named = false;
  for (const std::string& line : server.output()) {
    named = named || (line.find("\"evil\"") != std::string::npos &&
                      line.find("not a safe redirect target") != std::string::npos);
  }
  EXPECT_TRUE(named) << server.output_text();
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

TEST(TamperedStoreTest, HistoryComesInPagesWithACursor) {
  temp_dir data;
  server_process server(data.path());
  http_client client(server.port());
  ASSERT_EQ(create_link(client, "https://example.com/0", "paged").status, 201);
  for (int i = 1; i <= 4; ++i) {
    auto res =
        client.put("/links/paged", "{\"url\":\"https://example.com/" + std::to_string(i) + "\"}");
    ASSERT_EQ(res.status, 200) << res.describe();
  }
  std::vector<std::string> urls;
  std::vector<std::size_t> page_sizes;
  std::string target = "/links/paged/history?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    http_response res = client.get(target);
    ASSERT_EQ(res.status, 200) << res.describe();
    boost::json::object body = json_object(res);
    ASSERT_TRUE(body.contains("next")) << res.describe();
    const auto& events = body.at("events").as_array();
    page_sizes.push_back(events.size());
    for (const auto& e : events) urls.emplace_back(e.at("url").as_string());
    if (body.at("next").is_null()) break;
    target = "/links/paged/history?limit=2&after=" +
             std::to_string(body.at("next").to_number<std::uint64_t>());
  }
  EXPECT_EQ(page_sizes, (std::vector<std::size_t>{2, 2, 1}));
  ASSERT_EQ(urls.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(urls[i], "https://example.com/" + std::to_string(i));

  EXPECT_EQ(client.get("/links/paged/history?limit=0").status, 400);
  EXPECT_EQ(client.get("/links/paged/history?limit=1001").status, 400);
  EXPECT_EQ(client.get("/links/paged/history?after=x").status, 400);
  // as_of still answers from the two events that decide it.
  http_response as_of = client.get("/links/paged?as_of=3");
  ASSERT_EQ(as_of.status, 200) << as_of.describe();
  EXPECT_EQ(json_object(as_of).at("url").as_string(), "https://example.com/2");
  EXPECT_EQ(json_object(as_of).at("version").to_number<int>(), 3);
  EXPECT_TRUE(server.stop().success()) << server.output_text();
}

}  // namespace
}  // namespace linkly::e2e
