// Answer bodies of the link routes.

#include "http/link_json.hpp"

#include <gtest/gtest.h>
#include <boost/json/serialize.hpp>

namespace linkly {
namespace {

link_info sample() {
  link_info link;
  link.code = "demo";
  link.url = "https://example.com/";
  link.version = 3;
  link.created_at_ms = 0;
  link.updated_at_ms = 1'500;
  return link;
}

TEST(LinkJson, CreatedCarriesShortUrlAndCreationTime) {
  auto json = created_link_json(sample(), "https://lnk.example");
  EXPECT_EQ(
      boost::json::serialize(json),
      R"({"code":"demo","url":"https://example.com/","short_url":"https://lnk.example/s/demo",)"
      R"("created_at":"1970-01-01T00:00:00.000Z",)"
      R"("title":null,"tags":[],"valid_since":null,"valid_until":null,"max_visits":null,)"
      R"("forward_query":true,"crawlable":false})");
}

TEST(LinkJson, AttributesAreShownSetAndCleared) {
  link_info link = sample();
  link.attrs.title = "Sale";
  link.attrs.tags = {"a", "b"};
  link.attrs.valid_until_ms = 1'500;
  link.attrs.max_visits = 7;
  link.attrs.forward_query = false;
  link.attrs.crawlable = true;
  auto json = link_json(link, "https://lnk.example");
  EXPECT_EQ(boost::json::serialize(json["title"]), R"("Sale")");
  EXPECT_EQ(boost::json::serialize(json["tags"]), R"(["a","b"])");
  EXPECT_TRUE(json["valid_since"].is_null());
  EXPECT_EQ(json["valid_until"].as_string(), "1970-01-01T00:00:01.500Z");
  EXPECT_EQ(boost::json::serialize(json["max_visits"]), "7");
  EXPECT_FALSE(json["forward_query"].as_bool());
  EXPECT_TRUE(json["crawlable"].as_bool());
}

TEST(LinkJson, UpdatedCarriesVersionAndUpdateTime) {
  auto json = updated_link_json(sample());
  EXPECT_EQ(boost::json::serialize(json),
            R"({"code":"demo","url":"https://example.com/","version":3,)"
            R"("updated_at":"1970-01-01T00:00:01.500Z"})");
}

TEST(LinkJson, LinkCarriesTheSameShortUrlAsCreate) {
  auto json = link_json(sample(), "https://lnk.example");
  EXPECT_EQ(
      boost::json::serialize(json),
      R"({"code":"demo","url":"https://example.com/","short_url":"https://lnk.example/s/demo",)"
      R"("version":3,"created_at":"1970-01-01T00:00:00.000Z",)"
      R"("updated_at":"1970-01-01T00:00:01.500Z",)"
      R"("title":null,"tags":[],"valid_since":null,"valid_until":null,"max_visits":null,)"
      R"("forward_query":true,"crawlable":false})");
  EXPECT_EQ(json.at("short_url"),
            created_link_json(sample(), "https://lnk.example").at("short_url"));
}

TEST(LinkJson, LastPageHasNullNext) {
  link_page page;
  page.links = {sample()};
  auto json = link_page_json(page, "https://lnk.example");
  EXPECT_TRUE(json.at("next").is_null());
  ASSERT_EQ(json.at("links").as_array().size(), 1u);
  EXPECT_EQ(json.at("links").as_array()[0].at("code").as_string(), "demo");
  EXPECT_EQ(json.at("links").as_array()[0].at("short_url").as_string(),
            "https://lnk.example/s/demo");
  page.next = "demo";
  EXPECT_EQ(link_page_json(page, "https://lnk.example").at("next").as_string(), "demo");
}

TEST(LinkJson, HistoryListsEventsAndOmitsUrlOfDeletion) {
  history_reply history;
  history.entries = {{1, "LinkCreated", 0, "https://a.example"}, {4, "LinkDeleted", 2'000, ""}};
  auto json = history_json("demo", history);
  EXPECT_EQ(
      boost::json::serialize(json),
      R"({"code":"demo","events":[)"
      R"({"seq":1,"type":"LinkCreated","at":"1970-01-01T00:00:00.000Z","url":"https://a.example"},)"
      R"({"seq":4,"type":"LinkDeleted","at":"1970-01-01T00:00:02.000Z"}],"next":null})");
}

TEST(LinkJson, HistoryPageWithMoreToComeNamesTheNextCursor) {
  history_reply history;
  history.entries = {{7, "LinkUpdated", 0, "https://b.example"}};
  history.next = 7;
  EXPECT_EQ(history_json("demo", history).at("next").to_number<int>(), 7);
}

}  // namespace
}  // namespace linkly
