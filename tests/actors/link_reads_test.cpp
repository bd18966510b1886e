// History pages and as_of answers through a running engine: the link's
// shard picks the seqs, the log reader reads them.

#include "tests/actors/engine_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly {
namespace {

using LinkReadsTest = testing::EngineFixture;

std::string url_n(int i) {
  return "https://example.com/" + std::to_string(i);
}

TEST_F(LinkReadsTest, HistoryPagesWithCursorsCoverEveryEventOnce) {
  ASSERT_EQ(create("paged", url_n(0)).code, command_errc::ok);
  for (int i = 1; i <= 6; ++i) {
    ASSERT_EQ(update("paged", url_n(i)).code, command_errc::ok);
    ASSERT_EQ(create("other" + std::to_string(i), url_n(100 + i)).code, command_errc::ok);
  }
  ASSERT_EQ(remove("paged").code, command_errc::ok);  // 8 events of "paged" in all

  std::vector<link_history_entry> all;
  std::uint64_t after = 0;
  int pages = 0;
  do {
    history_reply page = history("paged", after, 3);
    ASSERT_TRUE(page.ok()) << page.error;
    ASSERT_NE(page.code, reply_code::not_found);
    ASSERT_LE(page.entries.size(), 3u);
    ASSERT_FALSE(page.entries.empty());
    for (auto& e : page.entries) all.push_back(std::move(e));
    if (page.next != 0) {
      EXPECT_EQ(page.next, all.back().seq);
    }
    after = page.next;
    ASSERT_LT(++pages, 10);
  } while (after != 0);
  EXPECT_EQ(pages, 3);  // 3 + 3 + 2
  ASSERT_EQ(all.size(), 8u);
  EXPECT_EQ(all.front().type, "LinkCreated");
  EXPECT_EQ(all.front().url, url_n(0));
  for (int i = 1; i <= 6; ++i) {
    EXPECT_EQ(all[i].type, "LinkUpdated");
    EXPECT_EQ(all[i].url, url_n(i));
  }
  EXPECT_EQ(all.back().type, "LinkDeleted");
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].seq, all[i].seq);

  EXPECT_EQ(history("paged", 0, 100).entries.size(), 8u);
  EXPECT_EQ(history("paged", 0, 100).next, 0u);
}

TEST_F(LinkReadsTest, HistoryOfNoEventsOnlySaysWhetherTheCodeWasUsed) {
  ASSERT_EQ(create("known", url_n(1)).code, command_errc::ok);
  ASSERT_EQ(remove("known").code, command_errc::ok);
  history_reply known = history("known", 0, 0);
  EXPECT_TRUE(known.ok());
  EXPECT_NE(known.code, reply_code::not_found);
  EXPECT_TRUE(known.entries.empty());
  history_reply unknown = history("unknown", 0, 0);
  EXPECT_NE(unknown.code, reply_code::unavailable);  // read, not failed
  EXPECT_EQ(unknown.code, reply_code::not_found);
}

TEST_F(LinkReadsTest, AsOfMatchesTheLinkAtEverySeq) {
  // seq 1 create, 2 other, 3 update, 4 other, 5 update, 6 delete.
  ASSERT_EQ(create("demo", url_n(1)).code, command_errc::ok);
  ASSERT_EQ(create("other", url_n(9)).code, command_errc::ok);
  ASSERT_EQ(update("demo", url_n(2)).code, command_errc::ok);
  ASSERT_EQ(update("other", url_n(10)).code, command_errc::ok);
  ASSERT_EQ(update("demo", url_n(3)).code, command_errc::ok);
  ASSERT_EQ(remove("demo").code, command_errc::ok);
  history_reply h = history("demo");
  ASSERT_EQ(h.entries.size(), 4u);
  ASSERT_EQ(h.entries[0].seq, 1u);
  ASSERT_EQ(h.entries[3].seq, 6u);

  struct expected {
    bool live;
    std::string url;
    std::uint32_t version;
    std::int64_t updated_at;
  };
  std::vector<expected> want = {
      {true, url_n(1), 1, h.entries[0].timestamp_ms},  // 1
      {true, url_n(1), 1, h.entries[0].timestamp_ms},  // 2
      {true, url_n(2), 2, h.entries[1].timestamp_ms},  // 3
      {true, url_n(2), 2, h.entries[1].timestamp_ms},  // 4
      {true, url_n(3), 3, h.entries[2].timestamp_ms},  // 5
      {false, "", 0, 0},                               // 6
  };
  for (std::uint64_t seq = 1; seq <= want.size(); ++seq) {
    as_of_reply r = as_of("demo", seq);
    ASSERT_TRUE(r.ok()) << r.error;
    const expected& w = want[seq - 1];
    ASSERT_EQ(r.live, w.live) << seq;
    if (!w.live) continue;
    EXPECT_EQ(r.link.code, "demo");
    EXPECT_EQ(r.link.url, w.url) << seq;
    EXPECT_EQ(r.link.version, w.version) << seq;
    EXPECT_EQ(r.link.created_at_ms, h.entries[0].timestamp_ms);
    EXPECT_EQ(r.link.updated_at_ms, w.updated_at) << seq;
  }
  EXPECT_FALSE(as_of("never", 3).live);
  EXPECT_TRUE(as_of("never", 3).ok());
}

TEST_F(LinkReadsTest, ReadsWorkAfterARestartFromTheLog) {
  ASSERT_EQ(create("kept", url_n(1)).code, command_errc::ok);
  restart_engine();
  history_reply h = history("kept");
  ASSERT_TRUE(h.ok()) << h.error;
  ASSERT_EQ(h.entries.size(), 1u);
  EXPECT_EQ(h.entries[0].url, url_n(1));
  as_of_reply r = as_of("kept", 1);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_TRUE(r.live);
}

}  // namespace
}  // namespace linkly
