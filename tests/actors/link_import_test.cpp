// link_service::import_links: one bulk create per shard, decided row by row
// against the table and the rows before it, durable before it answers.

#include "tests/actors/engine_fixture.hpp"

#include "actors/link_table.hpp"
#include "schemas/link_rules.hpp"

#include <set>

namespace linkly::testing {
namespace {

class LinkImportTest : public EngineFixture {
 protected:
  import_reply import(std::vector<create_link> rows) {
    pending<import_reply> p;
    engine_->links().import_links(std::move(rows), p.callback());
    import_reply timed_out;
    timed_out.fail(reply_code::unavailable, "test: no reply in time");
    return p.get(timed_out);
  }
};

TEST_F(LinkImportTest, CreatesRowsAndRefusesTakenAndRepeatedCodes) {
  ASSERT_EQ(create("taken", "https://example.com/old").code, command_errc::ok);
  import_reply r = import({{"a", "https://example.com/a"},
                           {"taken", "https://example.com/new"},
                           {"b", "https://example.com/b"},
                           {"a", "https://example.com/again"},
                           {"", "https://example.com/generated"}});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.imported, 3u);
  ASSERT_EQ(r.refused.size(), 2u);
  EXPECT_EQ(r.refused[0].index, 1u);
  EXPECT_EQ(r.refused[0].code, command_errc::conflict);
  EXPECT_EQ(r.refused[0].error, "code \"taken\" is already taken");
  EXPECT_EQ(r.refused[1].index, 3u);
  EXPECT_EQ(r.refused[1].code, command_errc::conflict);

  std::string url;
  ASSERT_TRUE(engine_->view().find_url("a", &url));
  EXPECT_EQ(url, "https://example.com/a");
  ASSERT_TRUE(engine_->view().find_url("taken", &url));
  EXPECT_EQ(url, "https://example.com/old");  // never overwritten
  EXPECT_EQ(engine_->view().size(), 4u);
  EXPECT_EQ(log_->highest_seq(), 4u);  // one event per created link
}

TEST_F(LinkImportTest, GeneratedCodesAreDistinctAndSpreadOverShards) {
  std::vector<create_link> rows(2000, create_link{"", "https://example.com/g"});
  import_reply r = import(std::move(rows));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.imported, 2000u);
  EXPECT_TRUE(r.refused.empty());
  EXPECT_EQ(engine_->view().size(), 2000u);
  std::set<std::size_t> shards;
  pending<link_page> p;
  engine_->links().list("", 1000, p.callback());
  link_page page = p.get(link_page{});
  for (const auto& link : page.links) {
    EXPECT_EQ(link.code.size(), kGeneratedCodeLength);
    shards.insert(shard_of(link.code, options_.link_shards));
  }
  EXPECT_EQ(shards.size(), options_.link_shards);
}

TEST_F(LinkImportTest, SingleCommandsAfterAnImportSeeItsLinks) {
  std::vector<create_link> rows;
  for (int i = 0; i < 5000; ++i) {
    rows.push_back({"r" + std::to_string(i), "https://example.com/" + std::to_string(i)});
  }
  // Sent right behind the import: each waits for its code's bulk append.
  pending<import_reply> bulk;
  engine_->links().import_links(std::move(rows), bulk.callback());
  command_reply dup = create("r42", "https://example.com/dup");
  command_reply upd = update("r43", "https://example.com/updated");
  import_reply r = bulk.get(import_reply{});
  EXPECT_EQ(r.imported, 5000u);
  EXPECT_EQ(dup.code, command_errc::conflict) << dup.error;
  EXPECT_EQ(upd.code, command_errc::ok) << upd.error;
  EXPECT_EQ(upd.link.version, 2u);
}

TEST_F(LinkImportTest, EmptyImportAnswersAtOnce) {
  import_reply r = import({});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.imported, 0u);
}

}  // namespace
}  // namespace linkly::testing
