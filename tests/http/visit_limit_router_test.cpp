// max_visits at the redirect, through a running engine and a real analytics
// store: the limit reads the applied visits of the link's current life from
// the cell the link keeps (http/visit_count.hpp), across updates that
// rebuild the link's record, a raised limit, and a deletion and re-creation.
// Clicks are written to the clicks log by hand and applied with catch_up().

#include "actors/read_view.hpp"
#include "http/redirect.hpp"
#include "tests/http/engine_router_fixture.hpp"
#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

class VisitLimitRouterTest : public testing::EngineRouterTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(start_engine("linkly-visit-limit"));
    create_link limited{"lim", "https://example.com/lim"};
    limited.attrs.max_visits = 2;
    ASSERT_EQ(command(limited), command_errc::ok);
    ASSERT_NO_FATAL_FAILURE(project_clicks({}));
  }

  http::status redirect_status(const std::string& target) {
    http_request req{http::verb::get, target, 11};
    req.prepare_payload();
    auto done = std::make_shared<std::promise<http_response>>();
    auto res = done->get_future();
    handle_request(req, ctx_, [done](http_response r) { done->set_value(std::move(r)); });
    EXPECT_EQ(res.wait_for(kDeadline), std::future_status::ready) << target;
    return res.get().result();
  }

  std::uint64_t life_of(const std::string& code) {
    link_info link;
    EXPECT_TRUE(ctx_.view->find(code, &link)) << code;
    return link.incarnation;
  }

  // Whether the live link keeps its life's cell (found by a redirect).
  bool cell_kept(const std::string& code) {
    bool kept = false;
    ctx_.view->read(code, [&](const stored_link& l) {
      kept = l.extras() != nullptr && l.extras()->visits.get() != nullptr;
    });
    return kept;
  }

  // A recorded visit of `code`'s life `life`, applied with the links log.
  void visit(const std::string& code, std::uint64_t life) {
    click_recorded click;
    click.code = code;
    click.clicked_at_ms = 1'767'225'600'000;
    click.incarnation = life;
    std::vector<envelope> batch{make_click_envelope(click)};
    append_result result;
    ASSERT_TRUE(clicks_log_->append(batch, &result));
    catch_up();
  }

  void catch_up() {
    std::uint64_t applied = 0;
    status st =
        replay_projection(*store_, *links_log_, clicks_log_.get(), kToHead, kToHead, 64, &applied);
    ASSERT_TRUE(st) << st.to_string();
  }
};

TEST_F(VisitLimitRouterTest, TheLimitCountsTheAppliedVisitsOfTheCurrentLifeOnly) {
  const std::uint64_t first = life_of("lim");
  ASSERT_NE(first, 0u);
  EXPECT_FALSE(cell_kept("lim"));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  EXPECT_TRUE(cell_kept("lim"));
  ASSERT_NO_FATAL_FAILURE(visit("lim", first));
  EXPECT_EQ(redirect_status("/s/lim?utm=x"), http::status::found);
  ASSERT_NO_FATAL_FAILURE(visit("lim", first));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);  // 2 of 2
  EXPECT_EQ(redirect_status("/lim"), http::status::not_found);

  // Another url: a new record, whose extras start without the cell; the
  // same life's count is found again.
  ASSERT_EQ(command(update_link{"lim", "https://example.com/moved"}), command_errc::ok);
  EXPECT_FALSE(cell_kept("lim"));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);
  EXPECT_TRUE(cell_kept("lim"));

  // A higher limit opens it again; the count goes on.
  update_link raise{"lim", ""};
  raise.patch.max_visits = std::optional<std::uint32_t>(3);
  ASSERT_EQ(command(raise), command_errc::ok);
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  ASSERT_NO_FATAL_FAILURE(visit("lim", first));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);

  // Deleted and created again: a new life, from zero, whatever the old one
  // had (and its clicks still arriving count for the old one).
  ASSERT_EQ(command(delete_link{"lim"}), command_errc::ok);
  create_link again{"lim", "https://example.com/again"};
  again.attrs.max_visits = 1;
  ASSERT_EQ(command(again), command_errc::ok);
  ASSERT_NO_FATAL_FAILURE(catch_up());
  const std::uint64_t second = life_of("lim");
  EXPECT_GT(second, first);
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  ASSERT_NO_FATAL_FAILURE(visit("lim", first));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  ASSERT_NO_FATAL_FAILURE(visit("lim", second));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);  // 1 of 1
  EXPECT_EQ(reader_->visits_of("lim", second).total, 1u);
  EXPECT_EQ(reader_->visits_of("lim", first).total, 4u);
}

// Queued clicks reach analytics later than their redirects: a burst still
// stops at exactly the limit, and the clicks, once applied, do not count
// twice.
TEST_F(VisitLimitRouterTest, ABurstFasterThanAnalyticsStopsAtExactlyTheLimit) {
  testing::fake_click_service clicks(click_mode::queued);
  ctx_.clicks = &clicks;
  const std::uint64_t life = life_of("lim");
  int found = 0;
  for (int i = 0; i < 10; ++i) {
    if (redirect_status("/s/lim") == http::status::found) ++found;
  }
  EXPECT_EQ(found, 2);
  EXPECT_EQ(clicks.submitted_count(), 2u);  // a refused redirect records no click

  // Both clicks applied: still 2 of 2, not 4.
  ASSERT_NO_FATAL_FAILURE(visit("lim", life));
  ASSERT_NO_FATAL_FAILURE(visit("lim", life));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);
  update_link raise{"lim", ""};
  raise.patch.max_visits = std::optional<std::uint32_t>(3);
  ASSERT_EQ(command(raise), command_errc::ok);
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  EXPECT_EQ(redirect_status("/s/lim"), http::status::not_found);
  EXPECT_EQ(clicks.submitted_count(), 3u);
  ctx_.clicks = nullptr;
}

TEST_F(VisitLimitRouterTest, WithoutAnalyticsTheLimitIsNotEnforced) {
  ctx_.sources.analytics = nullptr;
  const std::uint64_t life = life_of("lim");
  for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(visit("lim", life));
  EXPECT_EQ(redirect_status("/s/lim"), http::status::found);
  EXPECT_FALSE(cell_kept("lim"));
}

TEST(WithQuery, IntoABufferReplacesWhatItHeld) {
  std::string out = "a much longer leftover that must not survive into the next location";
  with_query("https://x.org/p#f", "q=1", &out);
  EXPECT_EQ(out, "https://x.org/p?q=1#f");
  with_query("https://x.org/p?a=1", "q=2", &out);
  EXPECT_EQ(out, "https://x.org/p?a=1&q=2");
}

}  // namespace
}  // namespace linkly
