// The pure parts of the Shlink API: target and query reading, Shlink's
// dates, the ShortUrl and paginator shapes, request bodies, and the list's
// filters and order.

#include "http/shlink_body.hpp"
#include "http/shlink_json.hpp"
#include "http/shlink_list_query.hpp"
#include "http/shlink_problem.hpp"
#include "http/shlink_tag_plans.hpp"
#include "http/shlink_target.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <vector>

namespace linkly {
namespace {

using strings = std::vector<std::string>;

shlink_target target(std::string_view text) {
  shlink_target out;
  EXPECT_TRUE(parse_shlink_target(text, &out)) << text;
  return out;
}

TEST(ShlinkTarget, RecognisesRestWithAnyLeadingSlashes) {
  EXPECT_TRUE(is_shlink_target("/rest"));
  EXPECT_TRUE(is_shlink_target("/rest/v3/short-urls"));
  EXPECT_TRUE(is_shlink_target("//rest/v3/short-urls"));
  EXPECT_TRUE(is_shlink_target("/rest?x=1"));
  EXPECT_FALSE(is_shlink_target("/restful"));
  EXPECT_FALSE(is_shlink_target("/s/rest"));
  EXPECT_FALSE(is_shlink_target("rest/v3"));
  EXPECT_FALSE(is_shlink_target("/"));
}

TEST(ShlinkTarget, SegmentsAfterRestDecoded) {
  EXPECT_EQ(target("//rest/v3/short-urls/a%2Db").segments, (strings{"v3", "short-urls", "a-b"}));
  EXPECT_EQ(target("/rest/health").segments, strings{"health"});
  EXPECT_TRUE(target("/rest").segments.empty());
}

TEST(ShlinkTarget, PlusIsASpaceAndPercentTwoBIsAPlus) {
  shlink_target t = target("/rest/v3/short-urls?searchTerm=two+words&raw=a%2Bb");
  EXPECT_EQ(t.param("searchTerm"), "two words");
  EXPECT_EQ(t.param("raw"), "a+b");
  EXPECT_FALSE(t.param("absent"));
}

TEST(ShlinkTarget, RepeatedTagsCollectEscapedOrNot) {
  EXPECT_EQ(target("/rest/v3/short-urls?tags[]=a&tags[]=b+c&tags%5B%5D=d").list("tags"),
            (strings{"a", "b c", "d"}));
  EXPECT_EQ(target("/rest/v3/tags?tags=x").list("tags"), strings{"x"});
  EXPECT_TRUE(target("/rest/v3/tags?tagsMode=all").list("tags").empty());
}

TEST(ShlinkDates, AtomOutSecondsUtc) {
  EXPECT_EQ(shlink_date(0), "1970-01-01T00:00:00+00:00");
  EXPECT_EQ(shlink_date(1'796'472'000'123), "2026-12-05T12:00:00+00:00");
}

TEST(ShlinkDates, ParsesRfc3339AndBareDates) {
  EXPECT_EQ(parse_shlink_date("2026-12-05T12:00:00Z"), 1'796'472'000'000);
  EXPECT_EQ(parse_shlink_date("2026-12-05T12:00:00.250Z"), 1'796'472'000'250);
  EXPECT_EQ(parse_shlink_date("2026-12-05T14:00:00+02:00"), 1'796'472'000'000);
  EXPECT_EQ(parse_shlink_date("2026-12-05T11:30:00-00:30"), 1'796'472'000'000);
  EXPECT_EQ(parse_shlink_date("2026-12-05"), 1'796'428'800'000);
  for (const char* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-12-05T12:00:00",
                          "2026-12-05T25:00:00Z", "2026-12-05T12:00:00+0200", "2026-12-05Tx"}) {
    EXPECT_FALSE(parse_shlink_date(bad)) << bad;
  }
}

link_info sample_link() {
  link_info link;
  link.code = "abc";
  link.url = "https://example.com/x";
  link.created_at_ms = 1'796'472'000'000;
  link.attrs.title = "T";
  link.attrs.tags = {"a", "b"};
  link.attrs.valid_until_ms = 1'796'472'060'000;
  link.attrs.max_visits = 5;
  return link;
}

TEST(ShlinkJson, ShortUrlHasShlinksMembersInShlinksOrder) {
  shlink_visits visits{7, 6, 1};
  std::string json =
      boost::json::serialize(shlink_short_url_json(sample_link(), "http://h:1", visits));
  EXPECT_EQ(json,
            R"({"shortUrl":"http://h:1/s/abc","shortCode":"abc","longUrl":"https://example.com/x",)"
            R"("dateCreated":"2026-12-05T12:00:00+00:00","tags":["a","b"],)"
            R"("meta":{"validSince":null,"validUntil":"2026-12-05T12:01:00+00:00","maxVisits":5},)"
            R"("domain":null,"title":"T","crawlable":false,"forwardQuery":true,)"
            R"("visitsSummary":{"total":7,"nonBots":6,"bots":1},"hasRedirectRules":false})");
}

TEST(ShlinkJson, NoTitleIsNull) {
  link_info link = sample_link();
  link.attrs.title.clear();
  EXPECT_TRUE(shlink_short_url_json(link, "http://h", {}).at("title").is_null());
}

TEST(ShlinkJson, PaginatorCountsPagesAtLeastOne) {
  EXPECT_EQ(boost::json::serialize(shlink_paginator_json(3, 10, 4, 24)),
            R"({"currentPage":3,"pagesCount":3,"itemsPerPage":10,"itemsInCurrentPage":4,)"
            R"("totalItems":24})");
  EXPECT_EQ(shlink_paginator_json(1, 10, 0, 0).at("pagesCount"), 1);
  EXPECT_EQ(shlink_paginator_json(1, 0, 7, 7).at("itemsPerPage"), 7);  // -1: all
}

TEST(ShlinkProblem, InvalidDataCarriesItsElements) {
  http_response res = shlink_invalid_data({"longUrl", "maxVisits"});
  EXPECT_EQ(res.result(), http_status::bad_request);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "application/problem+json");
  EXPECT_EQ(res.body(),
            R"({"type":"https://shlink.io/api/error/invalid-data","title":"Invalid data",)"
            R"("detail":"Provided data is not valid","status":400,)"
            R"("invalidElements":["longUrl","maxVisits"]})");
}

boost::json::object object(std::string_view text) {
  return boost::json::parse(text).as_object();
}

TEST(ShlinkBody, CreateReadsEveryField) {
  shlink_create_request request;
  strings invalid;
  ASSERT_TRUE(parse_shlink_create(
      object(R"({"longUrl":"example.com/p","customSlug":"my-slug","tags":["b","a","b"],)"
             R"("title":"T","validSince":"2026-12-05T12:00:00Z","validUntil":null,)"
             R"("maxVisits":3,"crawlable":true,"forwardQuery":false,"findIfExists":true,)"
             R"("domain":"h:1","unknown":1})"),
      "h:1", &request, &invalid))
      << invalid.size();
  EXPECT_EQ(request.cmd.url, "https://example.com/p");
  EXPECT_EQ(request.cmd.code, "my-slug");
  EXPECT_EQ(request.cmd.attrs.tags, (strings{"a", "b"}));
  EXPECT_EQ(request.cmd.attrs.title, "T");
  EXPECT_EQ(request.cmd.attrs.valid_since_ms, 1'796'472'000'000);
  EXPECT_FALSE(request.cmd.attrs.valid_until_ms);
  EXPECT_EQ(request.cmd.attrs.max_visits, 3u);
  EXPECT_TRUE(request.cmd.attrs.crawlable);
  EXPECT_FALSE(request.cmd.attrs.forward_query);
  EXPECT_TRUE(request.find_if_exists);
}

TEST(ShlinkBody, CreateNamesEveryBadField) {
  shlink_create_request request;
  strings invalid;
  EXPECT_FALSE(
      parse_shlink_create(object(R"({"customSlug":"a b","shortCodeLength":2,"domain":"other",)"
                                 R"("tags":"x","title":5,"forwardQuery":1})"),
                          "h:1", &request, &invalid));
  EXPECT_EQ(invalid, (strings{"longUrl", "customSlug", "shortCodeLength", "domain", "tags", "title",
                              "forwardQuery"}));
}

TEST(ShlinkBody, EditAbsentIsUnchangedNullClears) {
  update_link cmd;
  strings invalid;
  ASSERT_TRUE(
      parse_shlink_edit(object(R"({"title":null,"maxVisits":null,"tags":[]})"), &cmd, &invalid));
  EXPECT_TRUE(cmd.url.empty());
  EXPECT_EQ(cmd.patch.title, std::string());
  ASSERT_TRUE(cmd.patch.max_visits);
  EXPECT_FALSE(*cmd.patch.max_visits);
  EXPECT_EQ(cmd.patch.tags, strings{});
  EXPECT_FALSE(cmd.patch.valid_since_ms);
  EXPECT_FALSE(cmd.patch.crawlable);
  update_link empty;
  ASSERT_TRUE(parse_shlink_edit(object("{}"), &empty, &invalid));
  EXPECT_TRUE(empty.patch.empty());
  update_link bad;
  EXPECT_FALSE(parse_shlink_edit(object(R"({"longUrl":null})"), &bad, &invalid));
}

listed_link item(std::string code, std::string url, std::int64_t created, strings tags,
                 std::uint64_t visits = 0) {
  listed_link out;
  out.link.code = std::move(code);
  out.link.url = std::move(url);
  out.link.created_at_ms = created;
  out.link.attrs.tags = std::move(tags);
  out.visits = {visits, visits, 0};
  return out;
}

strings codes(const std::vector<listed_link>& items) {
  strings out;
  for (const auto& i : items) out.push_back(i.link.code);
  return out;
}

std::vector<listed_link> sample_list() {
  return {item("a", "https://x.com/Zeta", 3, {"red"}, 5),
          item("b", "https://y.com/alpha", 1, {}, 9),
          item("c", "https://x.com/mid", 2, {"blue", "red"}, 1)};
}

shlink_list_query query_of(std::string_view text) {
  shlink_list_query q;
  strings invalid;
  EXPECT_TRUE(parse_shlink_list_query(target(text), &q, &invalid)) << text;
  return q;
}

TEST(ShlinkList, DefaultIsNewestFirst) {
  EXPECT_EQ(codes(filter_and_order(sample_list(), query_of("/rest/v3/short-urls"), 0)),
            (strings{"a", "c", "b"}));
}

TEST(ShlinkList, OrdersByEachField) {
  auto order = [](std::string_view q) {
    return codes(filter_and_order(sample_list(), query_of(q), 0));
  };
  EXPECT_EQ(order("/r?orderBy=longUrl-ASC"), (strings{"a", "c", "b"}));
  EXPECT_EQ(order("/r?orderBy=visits-DESC"), (strings{"b", "a", "c"}));
  EXPECT_EQ(order("/r?orderBy=shortCode-DESC"), (strings{"c", "b", "a"}));
  EXPECT_EQ(order("/r?orderBy=dateCreated"), (strings{"b", "c", "a"}));
}

TEST(ShlinkList, TagsAnyOrAllAndSearchIgnoringCase) {
  auto pick = [](std::string_view q) {
    return codes(filter_and_order(sample_list(), query_of(q), 0));
  };
  EXPECT_EQ(pick("/r?tags[]=red&tags[]=blue&orderBy=shortCode-ASC"), (strings{"a", "c"}));
  EXPECT_EQ(pick("/r?tags[]=red&tags[]=blue&tagsMode=all"), strings{"c"});
  EXPECT_EQ(pick("/r?searchTerm=ALPHA"), strings{"b"});
  EXPECT_EQ(pick("/r?searchTerm=blu"), strings{"c"});  // a tag's name matches too
  EXPECT_EQ(pick("/r?startDate=1970-01-01T00:00:00.002Z&orderBy=shortCode-ASC"),
            (strings{"a", "c"}));
}

TEST(ShlinkList, BadParametersAreNamed) {
  shlink_list_query q;
  strings invalid;
  EXPECT_FALSE(parse_shlink_list_query(
      target("/r?page=0&itemsPerPage=-2&orderBy=x-ASC&tagsMode=none&startDate=soon"), &q,
      &invalid));
  EXPECT_EQ(invalid, (strings{"page", "itemsPerPage", "orderBy", "tagsMode", "startDate"}));
  EXPECT_EQ(query_of("/r?itemsPerPage=-1").items_per_page, 0u);
}

std::vector<link_info> tagged_links() {
  std::vector<link_info> out(3);
  out[0].code = "a";
  out[0].attrs.tags = {"blue", "red"};
  out[1].code = "b";
  out[1].attrs.tags = {"red"};
  out[2].code = "c";
  out[2].attrs.tags = {"green"};
  return out;
}

TEST(ShlinkTagPlans, RenameTouchesOnlyCarriersAndKeepsTagsSorted) {
  tag_changes changes;
  ASSERT_EQ(plan_tag_rename(tagged_links(), "red", "aqua", &changes), rename_outcome::renamed);
  EXPECT_EQ(changes, (tag_changes{{"a", {"aqua", "blue"}}, {"b", {"aqua"}}}));
}

TEST(ShlinkTagPlans, RenameRefusesAnUnknownOrATakenName) {
  tag_changes changes;
  EXPECT_EQ(plan_tag_rename(tagged_links(), "pink", "aqua", &changes), rename_outcome::not_found);
  EXPECT_EQ(plan_tag_rename(tagged_links(), "red", "green", &changes), rename_outcome::conflict);
  EXPECT_EQ(plan_tag_rename(tagged_links(), "red", "red", &changes), rename_outcome::unchanged);
  EXPECT_TRUE(changes.empty());
}

TEST(ShlinkTagPlans, DeleteTakesTheTagsOffEveryCarrier) {
  EXPECT_EQ(plan_tag_delete(tagged_links(), {"red", "nobody"}),
            (tag_changes{{"a", {"blue"}}, {"b", {}}}));
  EXPECT_TRUE(plan_tag_delete(tagged_links(), {"nobody"}).empty());
}

}  // namespace
}  // namespace linkly
