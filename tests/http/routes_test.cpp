// Route matching and query rules, without a socket.

#include "http/routes.hpp"

#include "schemas/link_rules.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace linkly {
namespace {

TEST(MatchRoute, RedirectRoutes) {
  auto short_form = match_route("/s/demo");
  EXPECT_EQ(short_form.route, route_id::redirect);
  EXPECT_EQ(short_form.code, "demo");
  auto bare = match_route("/demo");
  EXPECT_EQ(bare.route, route_id::redirect);
  EXPECT_EQ(bare.code, "demo");
}

// Short codes are matched without the URL parser; what needs it still gets it.
TEST(MatchRoute, ShortRedirectsAndTheirLookalikes) {
  auto plain = match_route("/s/Ab-9_z");
  EXPECT_EQ(plain.route, route_id::redirect);
  EXPECT_EQ(plain.code, "Ab-9_z");
  auto encoded = match_route("/s/a%2Db");
  EXPECT_EQ(encoded.route, route_id::redirect);
  EXPECT_EQ(encoded.code, "a-b");
  EXPECT_EQ(match_route("/s/").route, route_id::not_found);
  EXPECT_EQ(match_route("/s/a/b").route, route_id::not_found);
  EXPECT_EQ(match_route("/s//a").route, route_id::not_found);
  EXPECT_EQ(match_route("/s/a b").route, route_id::bad_target);
  EXPECT_EQ(match_route("/sx/a").route, route_id::not_found);
}

TEST(MatchRoute, QueryStringDoesNotAffectRouting) {
  auto m = match_route("/s/demo?x=1&utm_source=mail");
  EXPECT_EQ(m.route, route_id::redirect);
  EXPECT_EQ(m.code, "demo");
  EXPECT_EQ(match_route("/healthz?probe=1").route, route_id::health);
  EXPECT_EQ(match_route("/links/demo?x").route, route_id::link_item);
}

TEST(MatchRoute, LinkRoutes) {
  EXPECT_EQ(match_route("/links").route, route_id::links_collection);
  auto item = match_route("/links/demo");
  EXPECT_EQ(item.route, route_id::link_item);
  EXPECT_EQ(item.code, "demo");
  auto history = match_route("/links/demo/history");
  EXPECT_EQ(history.route, route_id::link_history);
  EXPECT_EQ(history.code, "demo");
  EXPECT_EQ(match_route("/healthz").route, route_id::health);
}

TEST(MatchRoute, PercentEncodedSegmentsAreDecoded) {
  auto m = match_route("/s/de%6Do");
  EXPECT_EQ(m.route, route_id::redirect);
  EXPECT_EQ(m.code, "demo");
  // A decoded '/' stays inside the code, which then cannot exist.
  EXPECT_EQ(match_route("/s/a%2Fb").code, "a/b");
}

TEST(MatchRoute, UnknownPathsAreNotFound) {
  for (auto target : {"/links/demo/stats/x", "/links/demo/other", "/s/a/b", "/a/b", "/s/", "//demo",
                      "/links/", "/healthz/x", "/ui/a/b"}) {
    EXPECT_EQ(match_route(target).route, route_id::not_found) << target;
  }
}

TEST(MatchRoute, RootAndUiAssetsAreTheFrontEnd) {
  EXPECT_EQ(match_route("/").route, route_id::ui);
  EXPECT_EQ(match_route("/").code, "");
  EXPECT_EQ(match_route("/?x=1").route, route_id::ui);
  auto asset = match_route("/ui/app.js");
  EXPECT_EQ(asset.route, route_id::ui);
  EXPECT_EQ(asset.code, "app.js");
}

TEST(MatchRoute, NonOriginFormIsBadTarget) {
  EXPECT_EQ(match_route("*").route, route_id::bad_target);
  EXPECT_EQ(match_route("demo").route, route_id::bad_target);
  EXPECT_EQ(match_route("/s/a b").route, route_id::bad_target);
  EXPECT_EQ(match_route("mailto:demo").route, route_id::bad_target);
}

TEST(MatchRoute, AbsoluteFormTargetsRouteByTheirPath) {
  auto m = match_route("http://short.example/s/demo?x=1");
  EXPECT_EQ(m.route, route_id::redirect);
  EXPECT_EQ(m.code, "demo");
  EXPECT_EQ(match_route("https://short.example/links/abc/history").route, route_id::link_history);
}

TEST(MatchRoute, CollectionQueryParameters) {
  auto m = match_route("/links?limit=10&after=abc");
  EXPECT_EQ(m.route, route_id::links_collection);
  ASSERT_TRUE(m.limit.has_value());
  EXPECT_EQ(*m.limit, "10");
  EXPECT_EQ(m.after, "abc");
  auto none = match_route("/links");
  EXPECT_FALSE(none.limit.has_value());
  EXPECT_TRUE(none.after.empty());
  auto empty = match_route("/links?limit=");
  ASSERT_TRUE(empty.limit.has_value());
  EXPECT_EQ(*empty.limit, "");
  EXPECT_EQ(match_route("/links?after=a%2Db").after, "a-b");
}

TEST(MatchRoute, MetricsAndDeadLetterRoutes) {
  EXPECT_EQ(match_route("/metrics").route, route_id::metrics);
  EXPECT_EQ(match_route("/metrics?x=1").route, route_id::metrics);
  auto list = match_route("/admin/dlq?limit=5&after=7");
  EXPECT_EQ(list.route, route_id::dlq_collection);
  ASSERT_TRUE(list.limit.has_value());
  EXPECT_EQ(*list.limit, "5");
  EXPECT_EQ(list.after, "7");
  EXPECT_EQ(match_route("/admin/dlq/redrive").route, route_id::dlq_redrive);
  auto item = match_route("/admin/dlq/12");
  EXPECT_EQ(item.route, route_id::dlq_item);
  EXPECT_EQ(item.code, "12");
  for (auto target : {"/admin/x", "/admin/dlq/1/x", "/admin/dlq/", "/metrics/x"}) {
    EXPECT_EQ(match_route(target).route, route_id::not_found) << target;
  }
  // One segment is a code: "/admin" is the redirect route, and as a
  // reserved word never a link (404 "link not found").
  EXPECT_EQ(match_route("/admin").route, route_id::redirect);
}

TEST(AllowedMethods, NamesEveryMethodOfTheRoute) {
  EXPECT_EQ(allowed_methods(route_id::redirect), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route_id::links_collection), "GET, HEAD, POST");
  EXPECT_EQ(allowed_methods(route_id::link_item), "GET, HEAD, PUT, DELETE");
  EXPECT_EQ(allowed_methods(route_id::metrics), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route_id::dlq_collection), "GET, HEAD");
  EXPECT_EQ(allowed_methods(route_id::dlq_redrive), "POST");
  EXPECT_EQ(allowed_methods(route_id::dlq_item), "DELETE");
}

// A target that fits `pattern`, with "x1" for its parameter.
std::string example_target(std::string_view pattern) {
  std::string out;
  std::size_t i = 0;
  while (i < pattern.size()) {
    if (pattern[i] == '{') {
      out += "x1";
      i = pattern.find('}', i) + 1;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

TEST(RouteTable, EveryRowMatchesItsOwnPattern) {
  for (const route_spec& spec : kRouteTable) {
    std::string target = example_target(spec.pattern);
    auto m = match_route(target);
    EXPECT_EQ(m.route, spec.id) << spec.pattern;
    if (spec.pattern.find('{') != std::string_view::npos) {
      EXPECT_EQ(m.code, "x1") << spec.pattern;
    }
    // The query never changes the route.
    EXPECT_EQ(match_route(target + "?x=1").route, spec.id) << spec.pattern;
  }
}

TEST(RouteTable, RowsOfOneRouteAgree) {
  for (const route_spec& a : kRouteTable) {
    const route_spec* first = find_route_spec(a.id);
    ASSERT_NE(first, nullptr) << a.pattern;
    EXPECT_EQ(a.methods, first->methods) << a.pattern;
    EXPECT_EQ(a.access, first->access) << a.pattern;
    EXPECT_EQ(a.body, first->body) << a.pattern;
    EXPECT_EQ(a.checks_host, first->checks_host) << a.pattern;
    EXPECT_NE(a.methods, 0) << a.pattern;
  }
  EXPECT_EQ(find_route_spec(route_id::not_found), nullptr);
  EXPECT_EQ(find_route_spec(route_id::bad_target), nullptr);
}

TEST(RouteTable, EveryRouteIdHasARow) {
  for (std::size_t i = 0; i < kRouteIdCount; ++i) {
    auto id = static_cast<route_id>(i);
    if (id == route_id::not_found || id == route_id::bad_target) continue;
    EXPECT_NE(find_route_spec(id), nullptr) << i;
    EXPECT_FALSE(allowed_methods(id).empty()) << i;
  }
}

TEST(RouteTable, OnlyTheCollectionsTakeABody) {
  std::set<route_id> json, csv;
  for (const route_spec& spec : kRouteTable) {
    if (spec.body == body_kind::json) json.insert(spec.id);
    if (spec.body == body_kind::csv_stream) csv.insert(spec.id);
    // A body kind only means something on a route with POST or PUT.
    if (spec.body != body_kind::none) {
      EXPECT_NE(spec.methods & (method_bit::post | method_bit::put), 0) << spec.pattern;
    }
  }
  // shlink_rest: the Shlink API reads JSON whatever the Content-Type.
  EXPECT_EQ(json, (std::set<route_id>{route_id::links_collection, route_id::link_item,
                                      route_id::dlq_redrive, route_id::shlink_rest,
                                      route_id::api_keys_collection}));
  EXPECT_EQ(csv, std::set<route_id>{route_id::links_import});
}

TEST(RouteTable, FirstSegmentsAreReservedCodes) {
  std::size_t words = 0;
  for (const route_spec& spec : kRouteTable) {
    std::string_view word = first_literal_segment(spec.pattern);
    // "robots.txt" cannot be a code at all ('.' is not a code character).
    if (word.empty() || word.find('.') != std::string_view::npos) continue;
    ++words;
    std::string error;
    EXPECT_FALSE(validate_custom_code(word, &error)) << word;
    std::string upper(word);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_FALSE(validate_custom_code(upper, &error)) << upper;
    EXPECT_NE(error.find("reserved"), std::string::npos) << error;
  }
  EXPECT_GE(words, 10u);
  std::string error;
  EXPECT_TRUE(validate_custom_code("history", &error)) << error;  // not a first segment
}

TEST(RouteTable, AllowFollowsTheMethods) {
  for (const route_spec& spec : kRouteTable) {
    std::string_view allow = allowed_methods(spec.id);
    EXPECT_EQ(allow.find("GET") != std::string_view::npos, (spec.methods & method_bit::get) != 0);
    EXPECT_EQ(allow.find("HEAD") != std::string_view::npos, (spec.methods & method_bit::get) != 0);
    EXPECT_EQ(allow.find("POST") != std::string_view::npos, (spec.methods & method_bit::post) != 0);
    EXPECT_EQ(allow.find("PUT") != std::string_view::npos, (spec.methods & method_bit::put) != 0);
    EXPECT_EQ(allow.find("DELETE") != std::string_view::npos,
              (spec.methods & method_bit::del) != 0);
    EXPECT_EQ(route_allows(spec.id, method_bit::get), (spec.methods & method_bit::get) != 0);
  }
  EXPECT_FALSE(route_allows(route_id::links_collection, 0));
  EXPECT_FALSE(route_allows(route_id::not_found, method_bit::get));
}

TEST(ParseLimit, AbsentMeansDefault) {
  std::size_t limit = 0;
  std::string error;
  ASSERT_TRUE(parse_limit(std::nullopt, &limit, &error));
  EXPECT_EQ(limit, kDefaultPageLimit);
}

TEST(ParseLimit, AcceptsOneToMax) {
  std::size_t limit = 0;
  std::string error;
  ASSERT_TRUE(parse_limit(std::string("1"), &limit, &error));
  EXPECT_EQ(limit, 1u);
  ASSERT_TRUE(parse_limit(std::string("1000"), &limit, &error));
  EXPECT_EQ(limit, kMaxPageLimit);
  ASSERT_TRUE(parse_limit(std::string("0075"), &limit, &error));
  EXPECT_EQ(limit, 75u);
}

TEST(ParseLimit, RefusesNonNumericZeroAndOverMax) {
  for (auto raw : {"", "0", "1001", "99999999999999999999", "-1", "ten", "5x", " 5", "1.5"}) {
    std::size_t limit = 0;
    std::string error;
    EXPECT_FALSE(parse_limit(std::string(raw), &limit, &error)) << raw;
    EXPECT_NE(error.find("invalid limit"), std::string::npos) << raw;
  }
}

}  // namespace
}  // namespace linkly
