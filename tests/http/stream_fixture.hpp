#pragma once
// ServerFixture plus what the stream routes read: the engine's links log and
// its event bus, and a clicks log of the test's own whose appends reach a
// click bus through the log's listener, as in `linkly serve`.

#include "actors/event_bus.hpp"
#include "schemas/click_events.hpp"
#include "tests/http/server_fixture.hpp"
#include "tests/http/stream_test_client.hpp"
#include "tests/support/eventually.hpp"

#include <boost/json/parse.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace linkly::testing {

/// `text` parsed as a JSON object; empty when it is not one.
inline boost::json::object json_of(const std::string& text) {
  boost::system::error_code ec;
  auto value = boost::json::parse(text, ec);
  if (ec || !value.is_object()) return {};
  return value.as_object();
}

class StreamFixture : public ServerFixture {
 protected:
  void SetUp() override {
    ServerFixture::SetUp();
    if (HasFatalFailure()) return;
    clicks_dir_ = dir_ + "-clicks";
    log_options opts;
    opts.sync = false;
    std::unique_ptr<event_log> log;
    status st = event_log::open(clicks_dir_, opts, &log);
    ASSERT_TRUE(st) << st.to_string();
    clicks_log_ = std::move(log);
    clicks_log_->set_listener(
        [bus = &click_bus_](const auto& evs, std::uint64_t first) { bus->publish(evs, first); });
  }

  void TearDown() override {
    ServerFixture::TearDown();
    clicks_log_.reset();
    std::error_code ec;
    std::filesystem::remove_all(clicks_dir_, ec);
  }

  /// Starts the server with every stream source wired.
  void start_stream_server() {
    read_sources sources;
    sources.links_log = &engine_->links_log();
    sources.link_events = &engine_->link_events();
    sources.clicks_log = clicks_log_.get();
    sources.click_events = &click_bus_;
    server_ = std::make_unique<http_server>(options_, engine_->links(), clicks_, sources);
    status st = server_->start();
    ASSERT_TRUE(st) << st.to_string();
  }

  /// Appends one click of `code` per element to the clicks log, in one batch.
  void append_clicks(const std::vector<std::string>& codes,
                     std::int64_t at_ms = 1'700'000'000'000) {
    std::vector<envelope> batch;
    for (const std::string& code : codes) {
      click_recorded click;
      click.code = code;
      click.clicked_at_ms = at_ms;
      click.url = "https://example.com/" + code;
      batch.push_back(make_click_envelope(click));
    }
    append_result result;
    status st = clicks_log_->append(batch, &result);
    ASSERT_TRUE(st) << st.to_string();
  }

  /// Creates link `code` through the API (one event in the links log).
  void create_link(const std::string& code) {
    auto res = fetch(http::verb::post, "/links",
                     R"({"url":"https://example.com/)" + code + R"(","code":")" + code + R"("})");
    ASSERT_EQ(res.result(), http::status::created) << res.body();
  }

  std::string clicks_dir_;
  event_bus click_bus_;  // before the log: the log's listener names it
  std::unique_ptr<event_log> clicks_log_;
};

}  // namespace linkly::testing
