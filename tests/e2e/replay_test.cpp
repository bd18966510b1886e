// `linkly replay`: offline rebuilds, --verify against a fresh rebuild, and
// a link's state as of a links-log seq. Every test runs a real server for
// the history, stops it, then runs the tool on its data directory.

#include "tests/support/http_client.hpp"
#include "tests/support/linkly_cli.hpp"
#include "tests/support/links_api.hpp"
#include "tests/support/mixed_workload.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/store_surgery.hpp"
#include "tests/support/temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json.hpp>

#include <filesystem>

namespace linkly::e2e {
namespace {

bool contains(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

// The one JSON object `replay --code --as-of` prints.
boost::json::object as_of_json(const cli_result& res) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(res.out, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not one JSON object\n" << res.describe();
    return {};
  }
  return v.as_object();
}

class ReplayTest : public MixedWorkloadTest {
 protected:
  std::string store(const std::string& name) const { return data_.path() + "/" + name; }
};

TEST_F(ReplayTest, VerifyFindsTheServersProjectionsIdentical) {
  cli_result res = run({"replay", "--verify"});
  EXPECT_EQ(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.out, "cache: identical")) << res.describe();
  EXPECT_TRUE(contains(res.out, "analytics: identical")) << res.describe();
  // The rebuild's temporary stores are gone.
  for (const auto& entry : std::filesystem::directory_iterator(data_.path())) {
    EXPECT_FALSE(entry.path().filename().string().starts_with(".linkly-verify")) << entry.path();
  }
}

TEST_F(ReplayTest, FullRebuildReportsWhatItAppliedAndVerifies) {
  cli_result res = run({"replay", "--projection", "all"});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  // 5 links events into the cache; 5 links + 4 clicks into analytics.
  EXPECT_TRUE(contains(res.out, "cache: rebuilt (full), 5 events applied")) << res.describe();
  EXPECT_TRUE(contains(res.out, "analytics: rebuilt (full), 9 events applied")) << res.describe();
  EXPECT_TRUE(contains(res.out, "events/s")) << res.describe();

  cli_result verify = run({"replay", "--verify"});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
  // A deleted link keeps its record (its code stays taken).
  EXPECT_TRUE(contains(verify.out, "cache: identical (3 keys, links checkpoint 5)"))
      << verify.describe();
  EXPECT_TRUE(contains(verify.out, "links checkpoint 5")) << verify.describe();
  EXPECT_TRUE(contains(verify.out, "clicks checkpoint 4")) << verify.describe();

  auto analytics = projection_contents(store("analytics"));
  EXPECT_EQ(analytics["checkpoint:links"], "5");
  EXPECT_EQ(analytics["checkpoint:clicks"], "4");
}

TEST_F(ReplayTest, VerifyPrintsATamperedCounterAndFullReplayRepairsIt) {
  ASSERT_EQ(run({"replay", "--projection", "all"}).exit_code(), 0);
  // /s/a was clicked 3 times: the store now counts 996 more.
  add_projection_clicks(store("analytics"), "a", 996);

  cli_result res = run({"replay", "--verify"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.out, "cache: identical")) << res.describe();
  EXPECT_TRUE(contains(res.out, "analytics: key \"tot/a\": live 999, rebuilt 3")) << res.describe();

  ASSERT_EQ(run({"replay", "--projection", "all"}).exit_code(), 0);
  cli_result again = run({"replay", "--verify"});
  EXPECT_EQ(again.exit_code(), 0) << again.describe();
}

TEST_F(ReplayTest, PartialRebuildDiffersFromAFullOne) {
  // From links seq 4 and clicks seq 4: no creation, one click of /s/c.
  cli_result partial = run({"replay", "--projection", "analytics", "--from", "4"});
  ASSERT_EQ(partial.exit_code(), 0) << partial.describe();
  EXPECT_TRUE(contains(partial.out, "partial")) << partial.describe();

  cli_result res = run({"replay", "--verify", "--projection", "analytics"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  // The three creations are before seq 4: the partial store has no day.
  EXPECT_TRUE(contains(res.out, "analytics: key \"day/")) << res.describe();
  EXPECT_TRUE(contains(res.out, "live (absent), rebuilt 3")) << res.describe();

  ASSERT_EQ(run({"replay", "--projection", "all"}).exit_code(), 0);
  cli_result again = run({"replay", "--verify"});
  EXPECT_EQ(again.exit_code(), 0) << again.describe();
}

TEST_F(ReplayTest, VerifyShowsCacheRecordsReadably) {
  ASSERT_EQ(run({"replay", "--projection", "cache", "--from", "4"}).exit_code(), 0);
  cli_result res = run({"replay", "--verify", "--projection", "cache"});
  EXPECT_EQ(res.exit_code(), 1) << res.describe();
  EXPECT_TRUE(contains(res.out,
                       "cache: key \"c\": live (absent), rebuilt {\"url\":"
                       "\"https://example.com/c\",\"version\":1"))
      << res.describe();
}

TEST_F(ReplayTest, RefusesWhileAServerHoldsTheStoresAndLeavesThemAlone) {
  ASSERT_EQ(run({"replay", "--projection", "all"}).exit_code(), 0);
  auto cache_before = projection_contents(store("cache"));
  auto analytics_before = projection_contents(store("analytics"));
  ASSERT_FALSE(cache_before.empty());
  {
    server_process server(data_.path());
    for (std::vector<std::string> args :
         {std::vector<std::string>{"replay", "--projection", "all"},
          std::vector<std::string>{"replay", "--verify"},
          std::vector<std::string>{"replay", "--code", "a", "--as-of", "1"}}) {
      cli_result res = run(args);
      EXPECT_NE(res.exit_code(), 0) << res.describe();
      EXPECT_TRUE(contains(res.err, "linkly: ")) << res.describe();
      EXPECT_TRUE(contains(res.err, "running linkly server")) << res.describe();
    }
    ASSERT_TRUE(server.stop().success()) << server.output_text();
  }
  EXPECT_EQ(projection_contents(store("cache")), cache_before);
  EXPECT_EQ(projection_contents(store("analytics")), analytics_before);
}

TEST_F(ReplayTest, AsOfShowsTheLinkBeforeAndAfterItsUpdate) {
  cli_result before = run({"replay", "--code", "a", "--as-of", "3"});
  ASSERT_EQ(before.exit_code(), 0) << before.describe();
  boost::json::object a3 = as_of_json(before);
  EXPECT_EQ(a3["code"], "a");
  EXPECT_EQ(a3["url"], "https://example.com/a");
  EXPECT_EQ(a3["version"], 1);
  EXPECT_EQ(a3["deleted"], false);
  EXPECT_EQ(a3["as_of"], 3);
  EXPECT_EQ(a3["created_at"], a3["updated_at"]);

  cli_result after = run({"replay", "--code", "a", "--as-of", "4"});
  ASSERT_EQ(after.exit_code(), 0) << after.describe();
  boost::json::object a4 = as_of_json(after);
  EXPECT_EQ(a4["url"], "https://example.com/a2");
  EXPECT_EQ(a4["version"], 2);
  EXPECT_EQ(a4["created_at"], a3["created_at"]);
  EXPECT_NE(a4["updated_at"], a3["updated_at"]);

  cli_result deleted = run({"replay", "--code", "b", "--as-of", "5"});
  ASSERT_EQ(deleted.exit_code(), 0) << deleted.describe();
  EXPECT_EQ(as_of_json(deleted)["deleted"], true);
}

TEST_F(ReplayTest, AsOfBeforeTheCodeExistedFails) {
  cli_result res = run({"replay", "--code", "c", "--as-of", "2"});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(res.out.empty()) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: no link \"c\" as of links seq 2")) << res.describe();

  cli_result never = run({"replay", "--code", "zzz", "--as-of", "5"});
  EXPECT_NE(never.exit_code(), 0) << never.describe();

  cli_result beyond = run({"replay", "--code", "a", "--as-of", "99"});
  EXPECT_NE(beyond.exit_code(), 0) << beyond.describe();
  EXPECT_TRUE(contains(beyond.err, "ends at seq 5")) << beyond.describe();
}

TEST(ReplayCliTest, WithoutALinksLogFailsClearly) {
  temp_dir data;
  cli_result res = run_linkly({"replay", "--projection", "all", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "linkly: no links log")) << res.describe();
  EXPECT_FALSE(std::filesystem::exists(data.path() + "/links"));
  EXPECT_FALSE(std::filesystem::exists(data.path() + "/cache"));
}

TEST(ReplayCliTest, WithoutAClicksLogAnalyticsCountsLinksOnly) {
  temp_dir data;
  server_options options;
  options.extra_args = {"--clicks-mode", "off"};
  std::string why;
  ASSERT_TRUE(run_mixed_workload(data.path(), options, &why)) << why;
  std::filesystem::remove_all(data.path() + "/clicks");

  cli_result res = run_linkly({"replay", "--projection", "analytics", "--data", data.path()});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.out, "no clicks log")) << res.describe();
  EXPECT_TRUE(contains(res.out, "analytics: rebuilt (full), 5 events applied")) << res.describe();
  EXPECT_FALSE(std::filesystem::exists(data.path() + "/clicks")) << "replay created a clicks log";

  auto analytics = projection_contents(data.path() + "/analytics");
  std::uint64_t days = 0;
  for (const auto& [key, value] : analytics) {
    EXPECT_FALSE(key.starts_with("tot/")) << key;
    if (key.starts_with("day/")) {
      ASSERT_FALSE(value.empty()) << key;
      ASSERT_EQ(value.find_first_not_of("0123456789"), std::string::npos) << key << " " << value;
      days += std::stoull(value);
    }
  }
  EXPECT_EQ(days, 3u) << "three links created";

  cli_result verify = run_linkly({"replay", "--verify", "--data", data.path()});
  EXPECT_EQ(verify.exit_code(), 0) << verify.describe();
}

TEST(ReplayCliTest, NeedsAProjectionOrAMode) {
  temp_dir data;
  cli_result res = run_linkly({"replay", "--data", data.path()});
  EXPECT_NE(res.exit_code(), 0) << res.describe();
  EXPECT_TRUE(contains(res.err, "--projection")) << res.describe();
}

TEST(ReplayCliTest, HelpDocumentsEveryOption) {
  cli_result res = run_linkly({"replay", "--help"});
  ASSERT_EQ(res.exit_code(), 0) << res.describe();
  for (const char* option :
       {"--projection", "--from", "partial", "--verify", "--code", "--as-of"}) {
    EXPECT_TRUE(contains(res.out, option)) << option << "\n" << res.describe();
  }
}

}  // namespace
}  // namespace linkly::e2e
