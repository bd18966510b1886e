#pragma once
// A running engine over an event_log in a fresh temp directory, with
// blocking helpers for the asynchronous link_service.

#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/read_view.hpp"
#include "storage/event_log.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace linkly::testing {

inline constexpr std::chrono::seconds kReplyTimeout{10};

/// A callback for the link_service and the future its value arrives on.
template <class T>
struct pending {
  std::shared_ptr<std::promise<T>> promise = std::make_shared<std::promise<T>>();
  std::future<T> future = promise->get_future();

  std::function<void(T)> callback() {
    return [p = promise](T value) { p->set_value(std::move(value)); };
  }

  /// The value, or `timed_out` (and a test failure) after kReplyTimeout.
  T get(T timed_out) {
    if (future.wait_for(kReplyTimeout) != std::future_status::ready) {
      ADD_FAILURE() << "no reply within " << kReplyTimeout.count() << " s";
      return timed_out;
    }
    return future.get();
  }
};

inline command_reply timed_out_reply() {
  return command_reply::failure(command_errc::unavailable, "test: no reply in time");
}

/// A create or update through `links`, waited for.
inline command_reply create_and_wait(link_service& links, std::string code, std::string url) {
  pending<command_reply> p;
  links.create(create_link{std::move(code), std::move(url)}, p.callback());
  return p.get(timed_out_reply());
}

inline command_reply update_and_wait(link_service& links, std::string code, std::string url) {
  pending<command_reply> p;
  links.update(update_link{std::move(code), std::move(url)}, p.callback());
  return p.get(timed_out_reply());
}

class EngineFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    options_.link_shards = 4;
    options_.scheduler_threads = 2;
    options_.supervision.initial_backoff = std::chrono::milliseconds(10);
    ASSERT_NO_FATAL_FAILURE(open_log());
    ASSERT_NO_FATAL_FAILURE(start_engine());
  }

  void TearDown() override {
    stop_engine();
    log_.reset();
    if (!dir_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
  }

  void open_log() {
    log_options opts;
    opts.sync = false;
    std::unique_ptr<event_log> log;
    status st = event_log::open(dir_, opts, &log);
    ASSERT_TRUE(st) << st.to_string();
    log_ = std::move(log);
  }

  void start_engine() {
    status st = engine::start(
        options_, log_,
        [this](const std::string& reason) {
          if (on_fatal_) on_fatal_(reason);
        },
        &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  void stop_engine() {
    if (engine_) engine_->stop();
    engine_.reset();
  }

  /// Stops the engine, closes and reopens the log, starts a new engine.
  void restart_engine() {
    stop_engine();
    log_.reset();  // releases LevelDB's lock: the engine held the only other reference
    ASSERT_NO_FATAL_FAILURE(open_log());
    ASSERT_NO_FATAL_FAILURE(start_engine());
  }

  command_reply create(std::string code, std::string url) {
    return create_and_wait(engine_->links(), std::move(code), std::move(url));
  }

  command_reply update(std::string code, std::string url) {
    return update_and_wait(engine_->links(), std::move(code), std::move(url));
  }

  command_reply remove(std::string code) {
    pending<command_reply> p;
    engine_->links().remove(delete_link{std::move(code)}, p.callback());
    return p.get(timed_out_reply());
  }

  link_page list(std::string after, std::size_t limit) {
    pending<link_page> p;
    engine_->links().list(std::move(after), limit, p.callback());
    link_page timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    return p.get(timed_out);
  }

  /// A page of `code`'s history: by default all of it a test makes.
  history_reply history(std::string code, std::uint64_t after = 0, std::size_t limit = 1000) {
    pending<history_reply> p;
    engine_->links().history(std::move(code), after, limit, p.callback());
    history_reply timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    return p.get(timed_out);
  }

  as_of_reply as_of(std::string code, std::uint64_t seq) {
    pending<as_of_reply> p;
    engine_->links().link_as_of(std::move(code), seq, p.callback());
    as_of_reply timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    return p.get(timed_out);
  }

  /// Every envelope in the log, oldest first.
  std::vector<envelope> log_contents() {
    std::vector<envelope> out;
    status st = log_->read(1, event_log::kNoLimit, event_log::kNoLimit, &out);
    EXPECT_TRUE(st) << st.to_string();
    return out;
  }

  std::string dir_;
  engine_options options_;
  std::shared_ptr<event_log> log_;
  std::unique_ptr<engine> engine_;
  std::function<void(const std::string&)> on_fatal_;  // set before start_engine()
};

}  // namespace linkly::testing
