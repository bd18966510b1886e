// reply_response: the one mapping from a service's reply_status to HTTP.

#include "http/reply_response.hpp"

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

namespace linkly {
namespace {

std::string error_of(const http_response& res) {
  return std::string(boost::json::parse(res.body()).as_object().at("error").as_string());
}

TEST(ReplyResponse, EachCodeHasItsStatus) {
  EXPECT_EQ(http_status_for(reply_code::ok), http_status::ok);
  EXPECT_EQ(http_status_for(reply_code::invalid), http_status::bad_request);
  EXPECT_EQ(http_status_for(reply_code::not_found), http_status::not_found);
  EXPECT_EQ(http_status_for(reply_code::conflict), http_status::conflict);
  EXPECT_EQ(http_status_for(reply_code::unavailable), http_status::service_unavailable);
}

TEST(ReplyResponse, TheServicesReasonIsTheBody) {
  http_response res = reply_error_response(
      reply_status::failure(reply_code::unavailable, "link service restarting, try again"));
  EXPECT_EQ(res.result(), http_status::service_unavailable);
  EXPECT_EQ(res[boost::beast::http::field::content_type], "application/json");
  EXPECT_EQ(error_of(res), "link service restarting, try again");
}

TEST(ReplyResponse, AReplyWithoutAReasonGetsTheGenericOneOfItsCode) {
  reply_status bare;
  bare.code = reply_code::unavailable;
  EXPECT_EQ(error_of(reply_error_response(bare)), "service unavailable, try again");
  bare.code = reply_code::conflict;
  http_response res = reply_error_response(bare);
  EXPECT_EQ(res.result(), http_status::conflict);
  EXPECT_EQ(error_of(res), "code already taken");
}

TEST(ReplyResponse, AClusterWrite503AsksToRetryInASecond) {
  const reply_status down = reply_status::failure(reply_code::unavailable, "log unavailable");
  http_response res = write_error_response(down, true);
  EXPECT_EQ(res.result(), http_status::service_unavailable);
  EXPECT_EQ(res[boost::beast::http::field::retry_after], "1");
  EXPECT_EQ(error_of(res), "log unavailable");
  // A single node's answers are as before, and a cluster's other errors too.
  EXPECT_EQ(write_error_response(down, false).count(boost::beast::http::field::retry_after), 0u);
  http_response taken =
      write_error_response(reply_status::failure(reply_code::conflict, "code already taken"), true);
  EXPECT_EQ(taken.result(), http_status::conflict);
  EXPECT_EQ(taken.count(boost::beast::http::field::retry_after), 0u);
}

}  // namespace
}  // namespace linkly
