// The engine end to end: commands through link_service, the read view, the
// log they leave behind, and a restart from that log.

#include "tests/actors/engine_fixture.hpp"

#include "schemas/link_events.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace linkly {
namespace {

using testing::EngineFixture;
using testing::pending;
using testing::timed_out_reply;

using EngineTest = EngineFixture;

TEST_F(EngineTest, CreateWithCustomCodeIsVisibleInTheViewOnceAnswered) {
  command_reply r = create("promo", "https://example.com/promo");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.code, "promo");
  EXPECT_EQ(r.link.url, "https://example.com/promo");
  EXPECT_EQ(r.link.version, 1u);
  EXPECT_GT(r.link.created_at_ms, 0);
  EXPECT_EQ(r.link.updated_at_ms, r.link.created_at_ms);

  // No waiting: the view was updated before the reply was sent.
  std::string url;
  ASSERT_TRUE(engine_->view().find_url("promo", &url));
  EXPECT_EQ(url, "https://example.com/promo");
  link_info info;
  ASSERT_TRUE(engine_->view().find("promo", &info));
  EXPECT_EQ(info.version, 1u);
  EXPECT_EQ(log_->highest_seq(), 1u);
}

TEST_F(EngineTest, CreateWithoutCodeGeneratesSixLowercaseAlphanumerics) {
  std::set<std::string> codes;
  for (int i = 0; i < 8; ++i) {  // spread over every shard
    command_reply r = create("", "https://example.com/gen");
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    const std::string& code = r.link.code;
    ASSERT_EQ(code.size(), 6u) << code;
    EXPECT_TRUE(std::all_of(code.begin(), code.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    })) << code;
    EXPECT_EQ(r.link.version, 1u);
    std::string url;
    EXPECT_TRUE(engine_->view().find_url(code, &url)) << code;
    codes.insert(code);
  }
  EXPECT_EQ(codes.size(), 8u);
}

TEST_F(EngineTest, DuplicateCodeIsAConflictAndKeepsTheOriginal) {
  ASSERT_EQ(create("dup", "https://example.com/first").code, command_errc::ok);
  command_reply r = create("dup", "https://example.com/second");
  EXPECT_EQ(r.code, command_errc::conflict);
  EXPECT_FALSE(r.error.empty());

  std::string url;
  ASSERT_TRUE(engine_->view().find_url("dup", &url));
  EXPECT_EQ(url, "https://example.com/first");
  EXPECT_EQ(log_->highest_seq(), 1u);  // a refusal writes nothing
}

TEST_F(EngineTest, UpdateBumpsVersionAndIsVisibleAtOnce) {
  command_reply created = create("upd", "https://example.com/v1");
  ASSERT_EQ(created.code, command_errc::ok);
  command_reply r = update("upd", "https://example.com/v2");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 2u);
  EXPECT_EQ(r.link.url, "https://example.com/v2");
  EXPECT_EQ(r.link.created_at_ms, created.link.created_at_ms);
  EXPECT_GE(r.link.updated_at_ms, created.link.updated_at_ms);

  std::string url;
  ASSERT_TRUE(engine_->view().find_url("upd", &url));
  EXPECT_EQ(url, "https://example.com/v2");
}

TEST_F(EngineTest, UpdateOfUnknownCodeIsNotFound) {
  EXPECT_EQ(update("never", "https://example.com/").code, command_errc::not_found);
  EXPECT_EQ(remove("never").code, command_errc::not_found);
  EXPECT_EQ(log_->highest_seq(), 0u);
}

TEST_F(EngineTest, DeleteRemovesFromViewAndLaterUpdatesAreNotFound) {
  ASSERT_EQ(create("gone", "https://example.com/gone").code, command_errc::ok);
  command_reply r = remove("gone");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.code, "gone");

  std::string url;
  EXPECT_FALSE(engine_->view().find_url("gone", &url));
  EXPECT_EQ(update("gone", "https://example.com/back").code, command_errc::not_found);
  EXPECT_EQ(remove("gone").code, command_errc::not_found);
  EXPECT_FALSE(engine_->view().find_url("gone", &url));
}

TEST_F(EngineTest, DeletedCodeCreatedAgainIsANewLifeThatSurvivesRestart) {
  command_reply first = create("again", "https://example.com/one");
  ASSERT_EQ(first.code, command_errc::ok) << first.error;
  ASSERT_EQ(update("again", "https://example.com/two").code, command_errc::ok);
  ASSERT_EQ(remove("again").code, command_errc::ok);
  command_reply second = create("again", "https://example.com/three");
  ASSERT_EQ(second.code, command_errc::ok) << second.error;
  EXPECT_EQ(second.link.version, 1u);
  EXPECT_GT(second.link.incarnation, first.link.incarnation);
  EXPECT_EQ(create("again", "https://example.com/four").code, command_errc::conflict);

  ASSERT_NO_FATAL_FAILURE(restart_engine());
  link_info got;
  ASSERT_TRUE(engine_->view().find("again", &got));
  EXPECT_EQ(got.url, "https://example.com/three");
  EXPECT_EQ(got.version, 1u);
  EXPECT_EQ(got.incarnation, second.link.incarnation);
  history_reply h = history("again");
  ASSERT_TRUE(h.ok()) << h.error;
  std::vector<std::string> types;
  for (const auto& e : h.entries) types.push_back(e.type);
  EXPECT_EQ(types,
            (std::vector<std::string>{"LinkCreated", "LinkUpdated", "LinkDeleted", "LinkCreated"}));
}

TEST_F(EngineTest, HistoryListsEveryEventInOrder) {
  ASSERT_EQ(create("hist", "https://example.com/1").code, command_errc::ok);
  ASSERT_EQ(create("other", "https://example.com/o").code, command_errc::ok);
  ASSERT_EQ(update("hist", "https://example.com/2").code, command_errc::ok);
  ASSERT_EQ(remove("hist").code, command_errc::ok);

  history_reply h = history("hist");
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_NE(h.code, reply_code::not_found);
  ASSERT_EQ(h.entries.size(), 3u);
  EXPECT_EQ(h.entries[0].type, "LinkCreated");
  EXPECT_EQ(h.entries[0].url, "https://example.com/1");
  EXPECT_EQ(h.entries[1].type, "LinkUpdated");
  EXPECT_EQ(h.entries[1].url, "https://example.com/2");
  EXPECT_EQ(h.entries[2].type, "LinkDeleted");
  EXPECT_EQ(h.entries[2].url, "");
  EXPECT_EQ(h.entries[0].seq, 1u);
  EXPECT_EQ(h.entries[1].seq, 3u);
  EXPECT_EQ(h.entries[2].seq, 4u);
  for (std::size_t i = 1; i < h.entries.size(); ++i) {
    EXPECT_LT(h.entries[i - 1].seq, h.entries[i].seq);
    EXPECT_LE(h.entries[i - 1].timestamp_ms, h.entries[i].timestamp_ms);
  }
  EXPECT_GT(h.entries[0].timestamp_ms, 0);

  history_reply none = history("unknown");
  EXPECT_NE(none.code, reply_code::unavailable);  // read, not failed
  EXPECT_EQ(none.code, reply_code::not_found);
  EXPECT_TRUE(none.entries.empty());
}

TEST_F(EngineTest, ListPaginatesAcrossShardsInCodeOrder) {
  std::set<std::string> live;
  for (int i = 0; i < 30; ++i) {
    char code[16];
    std::snprintf(code, sizeof code, "code%02d", (i * 7) % 30);  // not in order
    ASSERT_EQ(create(code, std::string("https://example.com/") + code).code, command_errc::ok);
    live.insert(code);
  }
  for (const char* code : {"code03", "code14", "code15", "code29"}) {
    ASSERT_EQ(remove(code).code, command_errc::ok);
    live.erase(code);
  }

  std::vector<std::string> seen;
  std::string after;
  int pages = 0;
  for (;;) {
    ASSERT_LT(pages, 20) << "pagination does not end";
    link_page page = list(after, 7);
    ++pages;
    ASSERT_TRUE(page.ok());
    EXPECT_LE(page.links.size(), 7u);
    for (const auto& l : page.links) {
      seen.push_back(l.code);
      EXPECT_EQ(l.url, "https://example.com/" + l.code);
      EXPECT_EQ(l.version, 1u);
    }
    if (page.next.empty()) break;
    ASSERT_EQ(page.links.size(), 7u);
    EXPECT_EQ(page.next, page.links.back().code);
    after = page.next;
  }
  EXPECT_EQ(pages, 4);  // 26 live links: 7 + 7 + 7 + 5
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size()) << "duplicates";
  EXPECT_EQ(seen, std::vector<std::string>(live.begin(), live.end()));
}

TEST_F(EngineTest, RacingUpdatesOfOneCodeAreAppliedOneAtATime) {
  ASSERT_EQ(create("hot", "https://example.com/0").code, command_errc::ok);

  constexpr int kThreads = 10;
  constexpr int kPerThread = 5;
  std::vector<pending<command_reply>> replies(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        engine_->links().update(update_link{"hot", "https://example.com/" + std::to_string(n + 1)},
                                replies[n].callback());
      }
    });
  }
  for (auto& th : threads) th.join();

  // version -> the url its reply carried
  std::map<std::uint32_t, std::string> by_version;
  for (auto& p : replies) {
    command_reply r = p.get(timed_out_reply());
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    EXPECT_TRUE(by_version.emplace(r.link.version, r.link.url).second)
        << "version " << r.link.version << " answered twice";
  }
  // Each update saw the one before it: versions 2..51, each exactly once.
  ASSERT_EQ(by_version.size(), replies.size());
  EXPECT_EQ(by_version.begin()->first, 2u);
  EXPECT_EQ(by_version.rbegin()->first, 51u);

  link_info info;
  ASSERT_TRUE(engine_->view().find("hot", &info));
  EXPECT_EQ(info.version, 51u);
  EXPECT_EQ(info.url, by_version.rbegin()->second);

  // The log holds the updates in the order their versions say.
  std::size_t events = 0;
  std::vector<std::string> logged_urls;
  for (const envelope& env : log_contents()) {
    if (env.key != "hot") continue;
    ++events;
    link_event event;
    ASSERT_TRUE(decode_link_event(env, &event));
    if (auto* u = std::get_if<link_updated>(&event)) logged_urls.push_back(u->url);
  }
  EXPECT_EQ(events, 51u);
  std::vector<std::string> replied_urls;
  for (const auto& [version, url] : by_version) replied_urls.push_back(url);
  EXPECT_EQ(logged_urls, replied_urls);
}

TEST_F(EngineTest, CommandsForOneCodeAreDecidedInArrivalOrder) {
  ASSERT_EQ(create("seq", "https://example.com/v1").code, command_errc::ok);
  // Sent back to back: each is decided only after the one before is durable.
  pending<command_reply> updated, deleted, late_update, late_create;
  engine_->links().update(update_link{"seq", "https://example.com/v2"}, updated.callback());
  engine_->links().remove(delete_link{"seq"}, deleted.callback());
  engine_->links().update(update_link{"seq", "https://example.com/v3"}, late_update.callback());
  engine_->links().create(create_link{"seq", "https://example.com/v4"}, late_create.callback());

  command_reply r = updated.get(timed_out_reply());
  EXPECT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 2u);
  EXPECT_EQ(deleted.get(timed_out_reply()).code, command_errc::ok);
  EXPECT_EQ(late_update.get(timed_out_reply()).code, command_errc::not_found);
  // A deleted code may be created again: a new life, after the deletion.
  EXPECT_EQ(late_create.get(timed_out_reply()).code, command_errc::ok);

  std::string url;
  EXPECT_TRUE(engine_->view().find_url("seq", &url));
  EXPECT_EQ(url, "https://example.com/v4");
  std::vector<event_type> types;
  for (const envelope& env : log_contents()) types.push_back(env.type);
  EXPECT_EQ(types, (std::vector<event_type>{event_type::link_created, event_type::link_updated,
                                            event_type::link_deleted, event_type::link_created}));
}

TEST_F(EngineTest, ConcurrentCreatesOfDistinctCodesAllLand) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<pending<command_reply>> replies(kThreads * kPerThread);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        std::string code = "c" + std::to_string(n);
        engine_->links().create(create_link{code, "https://example.com/" + code},
                                replies[n].callback());
      }
    });
  }
  for (auto& th : threads) th.join();

  for (std::size_t n = 0; n < replies.size(); ++n) {
    command_reply r = replies[n].get(timed_out_reply());
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    EXPECT_EQ(r.link.code, "c" + std::to_string(n));
    EXPECT_EQ(r.link.version, 1u);
  }
  EXPECT_EQ(log_->highest_seq(), 200u);
  EXPECT_EQ(engine_->view().size(), 200u);
  std::set<std::string> keys;
  for (const envelope& env : log_contents()) keys.insert(env.key);
  EXPECT_EQ(keys.size(), 200u);
}

TEST_F(EngineTest, RestartRebuildsEveryLinkFromTheLog) {
  std::map<std::string, link_info> expected;
  for (int i = 0; i < 12; ++i) {
    std::string code = "r" + std::to_string(i);
    command_reply r = create(code, "https://example.com/" + code);
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    expected[code] = r.link;
  }
  for (int i = 0; i < 12; i += 3) {
    std::string code = "r" + std::to_string(i);
    command_reply r = update(code, "https://example.com/new/" + code);
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    r = update(code, "https://example.com/newer/" + code);
    ASSERT_EQ(r.code, command_errc::ok) << r.error;
    expected[code] = r.link;
  }
  std::set<std::string> deleted = {"r1", "r6", "r10"};
  for (const auto& code : deleted) {
    ASSERT_EQ(remove(code).code, command_errc::ok);
    expected.erase(code);
  }
  const std::uint64_t head = log_->highest_seq();
  ASSERT_EQ(head, 12u + 8u + 3u);

  ASSERT_NO_FATAL_FAILURE(restart_engine());

  EXPECT_EQ(log_->highest_seq(), head);
  EXPECT_EQ(engine_->recovery().events, head);
  EXPECT_EQ(engine_->recovery().links, expected.size());
  EXPECT_EQ(engine_->view().size(), expected.size());
  for (const auto& [code, want] : expected) {
    link_info got;
    ASSERT_TRUE(engine_->view().find(code, &got)) << code;
    EXPECT_EQ(got.url, want.url) << code;
    EXPECT_EQ(got.version, want.version) << code;
    EXPECT_EQ(got.created_at_ms, want.created_at_ms) << code;
    EXPECT_EQ(got.updated_at_ms, want.updated_at_ms) << code;
  }
  for (const auto& code : deleted) {
    std::string url;
    EXPECT_FALSE(engine_->view().find_url(code, &url)) << code;
    EXPECT_EQ(update(code, "https://example.com/zombie").code, command_errc::not_found) << code;
  }

  // The actors work from the rebuilt state too.
  command_reply r = update("r0", "https://example.com/after-restart");
  ASSERT_EQ(r.code, command_errc::ok) << r.error;
  EXPECT_EQ(r.link.version, 4u);
  EXPECT_EQ(log_->highest_seq(), head + 1);
  link_page page = list("", 100);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page.links.size(), expected.size());
}

}  // namespace
}  // namespace linkly
