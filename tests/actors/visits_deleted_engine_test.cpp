// VisitsDeleted through the running engine: click_service::append_event
// writes it to the clicks log on its own and answers its seq; the analytics
// runner applies it after the clicks before it, so the reader says how many
// went; a poison one is parked and its count is then unknown, never made up.

#include "actors/analytics_projection.hpp"
#include "actors/click_service.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/clock.hpp"
#include "schemas/visits_deleted.hpp"
#include "storage/dead_letter_store.hpp"
#include "tests/actors/engine_fixture.hpp"
#include "tests/support/eventually.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <vector>

namespace linkly::testing {
namespace {

class VisitsDeletedEngineTest : public ::testing::Test {
 protected:
  static constexpr std::chrono::seconds kDeadline{5};

  void SetUp() override {
    dir_ = make_temp_dir();
    ASSERT_FALSE(dir_.empty());
    engine_options options;
    options.link_shards = 2;
    options.scheduler_threads = 2;
    options.clicks.queue.max_wait = std::chrono::milliseconds(1);
    options.projections.backoff = std::chrono::milliseconds(1);
    options.projections.max_retries = 2;
    log_options lo;
    lo.sync = false;
    std::unique_ptr<event_log> links;
    ASSERT_TRUE(event_log::open(dir_ + "/links", lo, &links));
    links_ = std::move(links);
    std::unique_ptr<event_log> clicks;
    ASSERT_TRUE(event_log::open(dir_ + "/clicks", lo, &clicks));
    stores_.clicks_log = std::move(clicks);
    std::unique_ptr<dead_letter_store> dlq;
    ASSERT_TRUE(dead_letter_store::open(dir_ + "/dlq", dead_letter_options{}, &dlq));
    stores_.dead_letters = std::move(dlq);
    std::unique_ptr<projection_store> analytics;
    ASSERT_TRUE(projection_store::open(dir_ + "/analytics", {},
                                       std::make_unique<analytics_projection>(), &analytics));
    stores_.analytics = std::move(analytics);
    click_stores click_path{stores_.clicks_log, stores_.dead_letters, nullptr};
    status st = engine::start(
        options, links_, click_path, stores_, [](const std::string&) {}, &engine_);
    ASSERT_TRUE(st) << st.to_string();
  }

  void TearDown() override {
    if (engine_) engine_->stop();
    engine_.reset();
    stores_ = {};
    links_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  static envelope click(const std::string& code) {
    click_recorded c;
    c.code = code;
    c.clicked_at_ms = now_utc_ms();
    c.incarnation = 1;
    return make_click_envelope(c);
  }

  static envelope deletion(const std::string& code) {
    visits_deleted e;
    e.code = code;
    e.incarnation = 1;
    e.deleted_at_ms = now_utc_ms();
    return make_visits_deleted_envelope(e);
  }

  event_append_reply append(envelope event) {
    std::promise<event_append_reply> done;
    auto reply = done.get_future();
    engine_->clicks()->append_event(
        std::move(event), [&done](event_append_reply r) { done.set_value(std::move(r)); });
    if (reply.wait_for(kDeadline) != std::future_status::ready) {
      ADD_FAILURE() << "append_event never answered";
      return {};
    }
    return reply.get();
  }

  // Waits until analytics has applied (or parked) the clicks log's `seq`.
  analytics_reader::deletion_state settled(std::uint64_t seq, std::uint64_t* removed) {
    auto state = analytics_reader::deletion_state::pending;
    EXPECT_TRUE(eventually([&] {
      state = engine_->analytics()->deletion(seq, removed);
      return state != analytics_reader::deletion_state::pending;
    })) << seq;
    return state;
  }

  std::string dir_;
  std::shared_ptr<event_log> links_;
  projection_stores stores_;
  std::unique_ptr<engine> engine_;
};

TEST_F(VisitsDeletedEngineTest, AppendedOnItsOwnAndAppliedAfterTheClicksBeforeIt) {
  std::vector<envelope> clicks{click("a"), click("a"), click("b")};
  append_result r;
  ASSERT_TRUE(stores_.clicks_log->append(clicks, &r));
  event_append_reply reply = append(deletion("a"));
  ASSERT_TRUE(reply.ok()) << reply.error;
  EXPECT_EQ(reply.seq, 4u);
  EXPECT_EQ(stores_.clicks_log->highest_seq(), 4u) << "one record: the event";
  envelope stored;
  ASSERT_TRUE(stores_.clicks_log->get(4, &stored));
  EXPECT_EQ(stored.type, event_type::visits_deleted);
  std::uint64_t removed = 0;
  ASSERT_EQ(settled(reply.seq, &removed), analytics_reader::deletion_state::applied);
  EXPECT_EQ(removed, 2u);
  EXPECT_EQ(engine_->analytics()->visits_of("a", 1).total, 0u);
  EXPECT_EQ(engine_->analytics()->visits_of("b", 1).total, 1u);

  engine_->clicks()->submit({click("a")});
  EXPECT_TRUE(eventually([&] { return engine_->analytics()->visits_of("a", 1).total == 1; }));
}

TEST_F(VisitsDeletedEngineTest, AParkedDeletionHasNoCount) {
  std::vector<envelope> one{click("a")};
  append_result r;
  ASSERT_TRUE(stores_.clicks_log->append(one, &r));
  envelope poison = deletion("a");
  poison.payload.pop_back();
  event_append_reply reply = append(std::move(poison));
  ASSERT_TRUE(reply.ok()) << reply.error;
  std::uint64_t removed = 0;
  EXPECT_EQ(settled(reply.seq, &removed), analytics_reader::deletion_state::unknown);
  EXPECT_EQ(engine_->analytics()->visits_of("a", 1).total, 1u) << "nothing forgotten";
}

}  // namespace
}  // namespace linkly::testing
