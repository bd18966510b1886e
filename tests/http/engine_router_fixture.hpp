#pragma once
// A running engine over a links log in a temp dir, wired into a
// router_context, for router tests whose answers come later from an actor
// thread; each command is awaited with a deadline. project_clicks() adds an
// analytics store built from a clicks log of the given codes.

#include "actors/analytics_projection.hpp"
#include "actors/engine.hpp"
#include "actors/link_service.hpp"
#include "actors/projection_replay.hpp"
#include "actors/projection_store.hpp"
#include "http/router.hpp"
#include "schemas/click_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <future>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace linkly::testing {

class EngineRouterTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kDeadline{5};

  // Call from SetUp (under ASSERT_NO_FATAL_FAILURE).
  void start_engine(const char* name) {
    dir_ = make_temp_dir(name);
    ASSERT_FALSE(dir_.empty());
    log_options log_opts;
    log_opts.sync = false;
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_ + "/links", log_opts, &log));
    links_log_ = std::shared_ptr<event_log>(std::move(log));
    engine_options opts;
    opts.link_shards = 2;
    opts.scheduler_threads = 2;
    status st = engine::start(
        opts, links_log_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
    ctx_.links = &engine_->links();
    ctx_.view = &engine_->view();
    ctx_.sources.links_log = links_log_.get();
  }

  void TearDown() override {
    ctx_ = {};
    reader_.reset();
    store_.reset();
    if (engine_) engine_->stop();
    engine_.reset();
    clicks_log_.reset();
    links_log_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  template <class Command>
  command_errc command(Command cmd) {
    std::promise<command_reply> done;
    auto reply = done.get_future();
    auto cb = [&done](command_reply r) { done.set_value(std::move(r)); };
    if constexpr (std::is_same_v<Command, create_link>) {
      engine_->links().create(std::move(cmd), cb);
    } else if constexpr (std::is_same_v<Command, update_link>) {
      engine_->links().update(std::move(cmd), cb);
    } else {
      engine_->links().remove(std::move(cmd), cb);
    }
    if (reply.wait_for(kDeadline) != std::future_status::ready) return command_errc::unavailable;
    return reply.get().code;
  }

  // One click per code, in order, projected into an analytics store over
  // the engine's links log; the router reads it from then on.
  void project_clicks(std::initializer_list<const char*> codes) {
    log_options log_opts;
    log_opts.sync = false;
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", log_opts, &clicks_log_));
    for (const char* code : codes) {
      click_recorded click;
      click.code = code;
      click.clicked_at_ms = 1'767'225'600'000;
      std::vector<envelope> batch{make_click_envelope(click)};
      append_result result;
      ASSERT_TRUE(clicks_log_->append(batch, &result));
    }
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", {},
                                       std::make_unique<analytics_projection>(), &store_));
    std::uint64_t applied = 0;
    ASSERT_TRUE(
        replay_projection(*store_, *links_log_, clicks_log_.get(), kToHead, kToHead, 64, &applied));
    reader_ = std::make_unique<analytics_reader>(*store_, *links_log_, clicks_log_.get());
    ctx_.sources.analytics = reader_.get();
  }

  std::string dir_;
  std::shared_ptr<event_log> links_log_;
  std::unique_ptr<event_log> clicks_log_;
  std::unique_ptr<engine> engine_;
  std::unique_ptr<projection_store> store_;
  std::unique_ptr<analytics_reader> reader_;
  router_context ctx_;
};

}  // namespace linkly::testing
