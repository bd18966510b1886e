// Supervision: a crashed actor comes back with its state rebuilt from the
// log and requests keep flowing; a crash loop stops the engine.

#include "tests/actors/engine_fixture.hpp"

#include "actors/directory.hpp"
#include "actors/link_table.hpp"

#include <gtest/gtest.h>
#include <caf/all.hpp>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>

namespace linkly {
namespace {

using testing::EngineFixture;
using testing::eventually;

class SupervisorTest : public EngineFixture {
 protected:
  /// Kills `victim` (no exit handler can catch it) and waits until the
  /// supervisor has replaced it: `restarts()` reached `restarts_after` and
  /// `current()` names another actor.
  template <class Handle>
  void kill_and_await_restart(Handle victim, std::uint64_t restarts_after,
                              const std::function<Handle()>& current) {
    ASSERT_TRUE(victim);
    caf::anon_send_exit(victim, caf::exit_reason::kill);
    ASSERT_TRUE(eventually([&] { return engine_->restarts() >= restarts_after; }))
        << "restarts: " << engine_->restarts();
    EXPECT_EQ(engine_->restarts(), restarts_after);
    Handle replacement = current();
    EXPECT_TRUE(replacement);
    EXPECT_NE(replacement.address(), victim.address());
  }

  std::function<link_actor()> shard_of_code(std::string code) {
    return [this, code] { return engine_->actors().shard_for(code); };
  }
};

TEST_F(SupervisorTest, CrashedLinkActorIsRestartedWithItsStateFromTheLog) {
  ASSERT_EQ(create("abc", "https://example.com/before").code, command_errc::ok);
  // More links in the same shard, one of them deleted, to rebuild.
  const std::size_t shard = shard_of("abc", options_.link_shards);
  std::vector<std::string> neighbours;
  for (int i = 0; neighbours.size() < 3; ++i) {
    std::string code = "n" + std::to_string(i);
    if (shard_of(code, options_.link_shards) == shard) neighbours.push_back(code);
  }
  for (const auto& code : neighbours) {
    ASSERT_EQ(create(code, "https://example.com/" + code).code, command_errc::ok);
  }
  ASSERT_EQ(remove(neighbours[2]).code, command_errc::ok);
  ASSERT_EQ(engine_->restarts(), 0u);

  link_actor victim = engine_->actors().shard_for("abc");
  ASSERT_NO_FATAL_FAILURE(kill_and_await_restart(victim, 1, shard_of_code("abc")));

  // The link from before the crash is known to the new actor: version 2.
  command_reply r = update("abc", "https://example.com/after");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 2u);
  std::string url;
  ASSERT_TRUE(engine_->view().find_url("abc", &url));
  EXPECT_EQ(url, "https://example.com/after");

  EXPECT_EQ(create("abc", "https://example.com/again").code, command_errc::conflict);  // live
  EXPECT_EQ(update(neighbours[2], "https://example.com/again").code, command_errc::not_found);
  ASSERT_TRUE(engine_->view().find_url(neighbours[0], &url));
  EXPECT_EQ(url, "https://example.com/" + neighbours[0]);
  EXPECT_FALSE(engine_->view().find_url(neighbours[2], &url));

  history_reply h = history("abc");
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.entries.size(), 2u);
  EXPECT_EQ(h.entries[1].url, "https://example.com/after");
  EXPECT_EQ(engine_->restarts(), 1u);
}

TEST_F(SupervisorTest, OtherShardsKeepServingWhileOneIsDown) {
  // A code in another shard than "abc".
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    std::string code = "o" + std::to_string(i);
    if (shard_of(code, options_.link_shards) != shard_of("abc", options_.link_shards)) other = code;
  }
  ASSERT_EQ(create("abc", "https://example.com/abc").code, command_errc::ok);
  ASSERT_EQ(create(other, "https://example.com/other").code, command_errc::ok);
  link_actor other_shard = engine_->actors().shard_for(other);

  ASSERT_NO_FATAL_FAILURE(
      kill_and_await_restart(engine_->actors().shard_for("abc"), 1, shard_of_code("abc")));
  EXPECT_EQ(engine_->actors().shard_for(other).address(), other_shard.address());
  command_reply r = update(other, "https://example.com/other2");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 2u);
}

TEST_F(SupervisorTest, CrashedJournalIsRestartedAndAppendsResume) {
  ASSERT_EQ(create("before", "https://example.com/before").code, command_errc::ok);
  std::function<journal_actor()> current = [this] { return engine_->actors().journal(); };
  ASSERT_NO_FATAL_FAILURE(kill_and_await_restart(engine_->actors().journal(), 1, current));

  command_reply r = create("after", "https://example.com/after");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(log_->highest_seq(), 2u);
  std::string url;
  EXPECT_TRUE(engine_->view().find_url("after", &url));
  r = update("before", "https://example.com/before2");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 2u);
  history_reply h = history("before");
  ASSERT_TRUE(h.ok()) << h.error;
  EXPECT_EQ(h.entries.size(), 2u);
}

TEST_F(SupervisorTest, CrashedLogReaderIsRestartedAndReadsResume) {
  ASSERT_EQ(create("read", "https://example.com/read").code, command_errc::ok);
  std::function<log_reader_actor()> current = [this] { return engine_->actors().reader(); };
  ASSERT_NO_FATAL_FAILURE(kill_and_await_restart(engine_->actors().reader(), 1, current));

  history_reply h = history("read");
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.entries[0].url, "https://example.com/read");
  // Appends never depended on it.
  EXPECT_EQ(update("read", "https://example.com/read2").code, command_errc::ok);
}

TEST_F(SupervisorTest, TooManyRestartsCallOnFatalNamingTheChild) {
  stop_engine();
  auto fatal_calls = std::make_shared<std::atomic<int>>(0);
  auto fatal = std::make_shared<std::promise<std::string>>();
  std::future<std::string> fatal_reason = fatal->get_future();
  on_fatal_ = [fatal_calls, fatal](const std::string& reason) {
    if (fatal_calls->fetch_add(1) == 0) fatal->set_value(reason);
  };
  options_.supervision.max_restarts = 2;
  options_.supervision.restart_window = std::chrono::seconds(60);
  options_.supervision.initial_backoff = std::chrono::milliseconds(1);
  ASSERT_NO_FATAL_FAILURE(start_engine());
  ASSERT_EQ(create("abc", "https://example.com/abc").code, command_errc::ok);

  ASSERT_NO_FATAL_FAILURE(
      kill_and_await_restart(engine_->actors().shard_for("abc"), 1, shard_of_code("abc")));
  ASSERT_NO_FATAL_FAILURE(
      kill_and_await_restart(engine_->actors().shard_for("abc"), 2, shard_of_code("abc")));
  EXPECT_EQ(fatal_calls->load(), 0);

  caf::anon_send_exit(engine_->actors().shard_for("abc"), caf::exit_reason::kill);
  ASSERT_EQ(fatal_reason.wait_for(testing::kReplyTimeout), std::future_status::ready);
  std::string reason = fatal_reason.get();
  const std::string child = "link shard " + std::to_string(shard_of("abc", options_.link_shards));
  EXPECT_NE(reason.find(child), std::string::npos) << reason;
  EXPECT_EQ(engine_->restarts(), 2u);

  stop_engine();  // returns: supervision stopped every child
  EXPECT_EQ(fatal_calls->load(), 1);
}

}  // namespace
}  // namespace linkly
