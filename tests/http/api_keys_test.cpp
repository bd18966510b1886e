// API keys: the key_store on a real keys log (replay, expiry on an injected
// clock, names, limits) and through handle_request (routes, both headers,
// revocation and sessions, check_api_key for /rest).

#include "http/access_control.hpp"
#include "http/api_key_routes.hpp"
#include "http/auth.hpp"
#include "http/key_store.hpp"
#include "http/router.hpp"
#include "http/routes.hpp"

#include "actors/read_view.hpp"
#include "schemas/api_key_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/make_temp_dir.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include <optional>
#include <string>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

constexpr std::int64_t kNow = 1'780'000'000'000;  // 2026-05-28, UTC ms

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("keys");
    ASSERT_FALSE(dir_.empty());
    reopen();
  }

  void reopen() {
    store_.reset();
    std::unique_ptr<event_log> log;
    ASSERT_TRUE(event_log::open(dir_, {}, &log).is_ok());
    key_store_options options;
    options.max_keys = 3;
    status st = key_store::open(std::move(log), options, &store_, [this] { return now_; });
    ASSERT_TRUE(st.is_ok()) << st.to_string();
  }

  std::string create(const std::string& name, std::optional<std::int64_t> expires = {}) {
    std::string key;
    api_key_info info;
    auto result = store_->create(name, expires, &key, &info);
    EXPECT_EQ(result.code, key_store::outcome::ok) << result.message;
    EXPECT_EQ(info.name, name);
    EXPECT_EQ(info.created_at_ms, now_);
    return key;
  }

  std::string dir_;
  std::int64_t now_ = kNow;
  std::unique_ptr<key_store> store_;
};

TEST_F(KeyStoreTest, KeysMatchByTheirSecretOnlyAndSurviveAReopen) {
  EXPECT_FALSE(store_->in_use());
  std::string ci = create("ci");
  std::string bot = create("bot.v2", kNow + 60'000);
  EXPECT_TRUE(store_->in_use());
  EXPECT_EQ(ci.rfind("lk_", 0), 0u);
  EXPECT_EQ(ci.size(), 3u + 64u);
  EXPECT_NE(ci, bot);
  EXPECT_EQ(store_->match(ci), "ci");
  EXPECT_EQ(store_->match(bot), "bot.v2");
  EXPECT_EQ(store_->match(ci + "x"), std::nullopt);
  EXPECT_EQ(store_->match(""), std::nullopt);

  reopen();
  EXPECT_TRUE(store_->in_use());
  EXPECT_EQ(store_->match(ci), "ci");
  auto keys = store_->list();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].name, "ci");
  EXPECT_EQ(keys[1].name, "bot.v2");
  EXPECT_EQ(keys[1].expires_at_ms, kNow + 60'000);
  EXPECT_FALSE(keys[0].expires_at_ms.has_value());

  // Only the digest is stored: the secret appears nowhere in the log.
  std::unique_ptr<event_log> log;
  store_.reset();
  ASSERT_TRUE(event_log::open(dir_, {}, &log).is_ok());
  std::vector<envelope> events;
  ASSERT_TRUE(log->read(1, event_log::kNoLimit, 100, &events).is_ok());
  ASSERT_EQ(events.size(), 2u);
  for (const envelope& env : events) {
    EXPECT_EQ(env.payload.find(ci), std::string::npos);
    EXPECT_EQ(env.payload.find(bot), std::string::npos);
  }
}

TEST_F(KeyStoreTest, RevocationAndExpiryTakeEffectOnTheNextLookup) {
  std::string ci = create("ci");
  std::string soon = create("soon", kNow + 1000);
  EXPECT_TRUE(store_->is_live("soon"));
  now_ = kNow + 1000;  // expires_at itself is past
  EXPECT_EQ(store_->match(soon), std::nullopt);
  EXPECT_FALSE(store_->is_live("soon"));

  EXPECT_EQ(store_->revoke("ci").code, key_store::outcome::ok);
  EXPECT_EQ(store_->match(ci), std::nullopt);
  EXPECT_FALSE(store_->is_live("ci"));
  EXPECT_EQ(store_->revoke("ci").code, key_store::outcome::ok);  // again: nothing to do
  EXPECT_EQ(store_->revoke("nope").code, key_store::outcome::not_found);

  reopen();
  EXPECT_EQ(store_->match(ci), std::nullopt);
  auto keys = store_->list();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_TRUE(keys[0].revoked);
  EXPECT_FALSE(keys[1].revoked);
}

TEST_F(KeyStoreTest, RefusesBadNamesPastExpiriesTakenNamesAndTooManyKeys) {
  std::string key;
  api_key_info info;
  for (std::string bad : {std::string(), std::string(65, 'a'), std::string("has space"),
                          std::string("slash/"), std::string("default"), std::string("é")}) {
    EXPECT_EQ(store_->create(bad, {}, &key, &info).code, key_store::outcome::invalid) << bad;
  }
  EXPECT_EQ(store_->create(std::string(64, 'a'), {}, &key, &info).code, key_store::outcome::ok);
  EXPECT_EQ(store_->create("past", kNow, &key, &info).code, key_store::outcome::invalid);
  create("one");
  EXPECT_EQ(store_->revoke("one").code, key_store::outcome::ok);
  EXPECT_EQ(store_->create("one", {}, &key, &info).code, key_store::outcome::exists);
  create("two");
  EXPECT_EQ(store_->create("three", {}, &key, &info).code, key_store::outcome::full);
  EXPECT_EQ(store_->list().size(), 3u);
}

TEST_F(KeyStoreTest, ALogWithAnEventThatDoesNotFitIsRefused) {
  create("ci");
  store_.reset();
  std::unique_ptr<event_log> log;
  ASSERT_TRUE(event_log::open(dir_, {}, &log).is_ok());
  append_result appended;
  // Revoking a key never created.
  ASSERT_TRUE(
      log->append({make_api_key_envelope(api_key_revoked{"ghost"}, kNow)}, &appended).is_ok());
  std::unique_ptr<key_store> store;
  status st = key_store::open(std::move(log), {}, &store);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
}

TEST(ApiKeyRoutesTest, MatchTheCollectionAndAKeyByName) {
  EXPECT_EQ(match_route("/api-keys").route, route_id::api_keys_collection);
  route_match m = match_route("/api-keys/ci.v2");
  EXPECT_EQ(m.route, route_id::api_key_item);
  EXPECT_EQ(m.code, "ci.v2");
  EXPECT_FALSE(is_public_route(route_id::api_keys_collection));
  EXPECT_FALSE(is_public_route(route_id::api_key_item));
  EXPECT_TRUE(is_public_route(route_id::qr_code));
}

// Through the router, with no token configured: the API is open until the
// first key is created, then needs a key.
class ApiKeysRouterTest : public KeyStoreTest {
 protected:
  void SetUp() override {
    KeyStoreTest::SetUp();
    link_info demo;
    demo.code = "demo";
    demo.url = "https://example.com/landing";
    demo.version = 1;
    view_.upsert(demo);
    access_ = std::make_unique<access_control>(access_options{}, &access_control::clock::now,
                                               store_.get());
    ctx_.view = &view_;
    ctx_.short_url_base = "http://127.0.0.1:3111";
    ctx_.access = access_.get();
    ctx_.sources.api_keys = store_.get();
  }

  http_response answer(http::verb method, std::string target,
                       std::vector<std::pair<std::string, std::string>> headers = {},
                       std::string body = {}) {
    http_request req{method, target, 11};
    for (auto& [name, value] : headers) req.insert(name, value);
    if (method == http::verb::post) req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
    req.prepare_payload();
    std::optional<http_response> out;
    handle_request(req, ctx_, [&](http_response res) { out = std::move(res); });
    EXPECT_TRUE(out.has_value());
    return out ? *out : http_response{};
  }

  static std::pair<std::string, std::string> bearer(const std::string& key) {
    return {"Authorization", "Bearer " + key};
  }
  static std::pair<std::string, std::string> x_api_key(const std::string& key) {
    return {"X-Api-Key", key};
  }

  api_key_check check(std::vector<std::pair<std::string, std::string>> headers) {
    http::fields fields;
    for (auto& [name, value] : headers) fields.insert(name, value);
    return check_api_key(fields, ctx_);
  }

  read_view view_;
  std::unique_ptr<access_control> access_;
  router_context ctx_;
};

TEST_F(ApiKeysRouterTest, TheFirstKeyClosesTheApiAndEitherHeaderOpensIt) {
  EXPECT_EQ(answer(http::verb::get, "/links/demo").result(), http::status::ok);
  EXPECT_EQ(check({}), api_key_check::ok);

  http_response created = answer(http::verb::post, "/api-keys", {}, R"({"name":"ci"})");
  ASSERT_EQ(created.result(), http::status::created) << created.body();
  auto body = boost::json::parse(created.body()).as_object();
  std::string key(body.at("key").as_string());
  EXPECT_EQ(body.at("name"), "ci");
  EXPECT_TRUE(body.at("expires_at").is_null());
  EXPECT_EQ(created[http::field::cache_control], "no-store");

  EXPECT_EQ(answer(http::verb::get, "/links/demo").result(), http::status::unauthorized);
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {bearer(key)}).result(), http::status::ok);
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {x_api_key(key)}).result(), http::status::ok);
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {x_api_key("lk_wrong")}).result(),
            http::status::unauthorized);
  // Public routes stay public.
  EXPECT_EQ(answer(http::verb::get, "/s/demo/qr-code").result(), http::status::ok);

  EXPECT_EQ(check({}), api_key_check::missing);
  EXPECT_EQ(check({x_api_key(key)}), api_key_check::ok);
  EXPECT_EQ(check({bearer(key)}), api_key_check::ok);
  EXPECT_EQ(check({x_api_key("nope")}), api_key_check::invalid);
  // A blank X-Api-Key is no key (Shlink's missing-authentication); a Bearer
  // key beside it still counts.
  EXPECT_EQ(check({{"X-Api-Key", " "}}), api_key_check::missing);
  EXPECT_EQ(check({{"X-Api-Key", " "}, bearer(key)}), api_key_check::ok);
  EXPECT_EQ(check({{"Authorization", "Basic abc"}}), api_key_check::invalid);

  http_response list = answer(http::verb::get, "/api-keys", {bearer(key)});
  ASSERT_EQ(list.result(), http::status::ok);
  EXPECT_EQ(list.body().find(key), std::string::npos);
  auto items = boost::json::parse(list.body()).at("api_keys").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("name"), "ci");
  EXPECT_EQ(items[0].at("revoked"), false);
  EXPECT_FALSE(items[0].as_object().contains("key"));
}

TEST_F(ApiKeysRouterTest, RevocationEndsTheKeyAndItsSessionsAtTheNextRequest) {
  std::string admin = create("admin");
  std::string ci = create("ci");
  http_response login = answer(http::verb::post, "/login", {bearer(ci)});
  ASSERT_EQ(login.result(), http::status::no_content);
  std::string cookie(login[http::field::set_cookie]);
  cookie = cookie.substr(0, cookie.find(';'));
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {{"Cookie", cookie}}).result(),
            http::status::ok);

  EXPECT_EQ(answer(http::verb::delete_, "/api-keys/ci", {bearer(admin)}).result(),
            http::status::no_content);
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {bearer(ci)}).result(),
            http::status::unauthorized);
  EXPECT_EQ(answer(http::verb::get, "/links/demo", {{"Cookie", cookie}}).result(),
            http::status::unauthorized);
  EXPECT_EQ(check({x_api_key(ci)}), api_key_check::invalid);
  EXPECT_EQ(answer(http::verb::delete_, "/api-keys/nope", {bearer(admin)}).result(),
            http::status::not_found);
  EXPECT_EQ(answer(http::verb::delete_, "/api-keys/default", {bearer(admin)}).result(),
            http::status::bad_request);
  // Revoking every key does not reopen the API.
  EXPECT_EQ(answer(http::verb::delete_, "/api-keys/admin", {bearer(admin)}).result(),
            http::status::no_content);
  EXPECT_EQ(answer(http::verb::get, "/links/demo").result(), http::status::unauthorized);
}

TEST_F(ApiKeysRouterTest, BadBodiesAre400AndChangeNothing) {
  for (const char* body :
       {"", "[]", "{}", R"({"name":1})", R"({"name":"a b"})", R"({"name":"default"})",
        R"({"name":"ok","expires_at":"soon"})", R"({"name":"ok","expires_at":5})",
        R"({"name":"ok","expires_at":"2020-01-01T00:00:00Z"})", R"({"name":"ok","extra":1})"}) {
    http_response res = answer(http::verb::post, "/api-keys", {}, body);
    EXPECT_EQ(res.result(), http::status::bad_request) << body << " -> " << res.body();
    EXPECT_NE(boost::json::parse(res.body()).as_object().if_contains("error"), nullptr) << body;
  }
  EXPECT_FALSE(store_->in_use());
  EXPECT_TRUE(store_->list().empty());
  http_response res = answer(http::verb::post, "/api-keys", {},
                             R"({"name":"later","expires_at":"2099-01-01T00:00:00+02:00"})");
  ASSERT_EQ(res.result(), http::status::created) << res.body();
  EXPECT_EQ(boost::json::parse(res.body()).at("expires_at"), "2098-12-31T22:00:00.000Z");
}

TEST(ApiKeysTokenTest, TheTokenIsTheDefaultKeyAndIsListed) {
  std::string dir = testing::make_temp_dir("keys-token");
  std::unique_ptr<event_log> log;
  ASSERT_TRUE(event_log::open(dir, {}, &log).is_ok());
  std::unique_ptr<key_store> store;
  ASSERT_TRUE(key_store::open(std::move(log), {}, &store).is_ok());
  access_options options;
  options.token = "test-token-0123456789abcdef";
  access_control access(options, &access_control::clock::now, store.get());
  EXPECT_TRUE(access.enabled());
  EXPECT_EQ(access.key_name(*options.token), "default");
  router_context ctx;
  ctx.access = &access;
  ctx.sources.api_keys = store.get();
  http_response list = list_api_keys_response(ctx);
  auto items = boost::json::parse(list.body()).at("api_keys").as_array();
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("name"), "default");
  EXPECT_EQ(list.body().find(*options.token), std::string::npos);
}

}  // namespace
}  // namespace linkly
