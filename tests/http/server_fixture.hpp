#pragma once
// A running engine over an event_log in a fresh temp directory, and an
// http_server in front of it on a free port.

#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/read_view.hpp"
#include "http/server.hpp"
#include "storage/event_log.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace linkly::testing {

class ServerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = linkly::testing::make_temp_dir("linkly-http");
    ASSERT_FALSE(dir_.empty());

    log_options log_opts;
    log_opts.sync = false;
    std::unique_ptr<event_log> log;
    status st = event_log::open(dir_, log_opts, &log);
    ASSERT_TRUE(st) << st.to_string();
    engine_options engine_opts;
    engine_opts.link_shards = 2;
    engine_opts.scheduler_threads = 2;
    st = engine::start(
        engine_opts, std::shared_ptr<event_log>(std::move(log)), [](const std::string&) {},
        &engine_);
    ASSERT_TRUE(st) << st.to_string();

    options_.port = 0;
    options_.io_threads = 2;
    options_.shutdown_grace = std::chrono::milliseconds(2'000);
  }

  void TearDown() override {
    if (server_) server_->stop();
    server_.reset();
    if (engine_) engine_->stop();
    engine_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Starts the server with `options_` (adjust them first).
  void start_server() {
    server_ = std::make_unique<http_server>(options_, engine_->links(), clicks_);
    status st = server_->start();
    ASSERT_TRUE(st) << st.to_string();
    ASSERT_NE(server_->port(), 0);
  }

  test_client connect() { return test_client(server_->port()); }

  /// One request on a fresh connection.
  client_response fetch(http::verb method, std::string target, std::string body = {}) {
    auto client = connect();
    return client.request(method, std::move(target), std::move(body));
  }

  std::string dir_;
  server_options options_;
  click_service* clicks_ = nullptr;  // set before start_server() to record clicks
  std::unique_ptr<engine> engine_;
  std::unique_ptr<http_server> server_;
};

}  // namespace linkly::testing
