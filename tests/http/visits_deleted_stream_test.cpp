// A VisitsDeleted in the clicks log does not reach /clicks/stream listeners
// (the stream carries clicks only) and does not stop them: the click after
// it arrives with its own seq; /clicks/summary's head counts it.

#include "schemas/visits_deleted.hpp"
#include "tests/http/stream_fixture.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace linkly::testing {
namespace {

class VisitsDeletedStreamTest : public StreamFixture {
 protected:
  void append_deletion(const std::string& code) {
    visits_deleted e;
    e.code = code;
    e.incarnation = 1;
    e.deleted_at_ms = 1'700'000'000'000;
    std::vector<envelope> one{make_visits_deleted_envelope(e)};
    append_result result;
    ASSERT_TRUE(clicks_log_->append(one, &result));
  }
};

std::string id_of(const std::optional<sse_message>& msg) {
  return msg ? msg->id : "none";
}

TEST_F(VisitsDeletedStreamTest, ListenersSkipTheDeletionAndGetTheNextClick) {
  start_stream_server();
  stream_test_client only_a(server_->port());
  ASSERT_EQ(only_a.open("/clicks/stream?code=a"), 200);
  stream_test_client all(server_->port());
  ASSERT_EQ(all.open("/clicks/stream"), 200);
  append_clicks({"a"});
  ASSERT_NO_FATAL_FAILURE(append_deletion("a"));
  append_clicks({"a"});
  for (stream_test_client* listener : {&only_a, &all}) {
    EXPECT_EQ(id_of(listener->next()), "1");
    auto next = listener->next();
    EXPECT_EQ(id_of(next), "3") << "the deletion (seq 2) is not a click";
    if (next) EXPECT_EQ(json_of(next->data).at("code").as_string(), "a");
  }
  EXPECT_EQ(click_bus_.dropped(), 0u);
  auto summary = json_of(fetch(http::verb::get, "/clicks/summary").body());
  EXPECT_EQ(summary.at("total").to_number<std::uint64_t>(), 3u);
}

}  // namespace
}  // namespace linkly::testing
