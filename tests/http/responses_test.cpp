// The answers' wire form: write_head must write exactly what Beast's
// serializer writes before the body, for every shape linkly answers with.

#include "http/responses.hpp"

#include <gtest/gtest.h>
#include <boost/beast/http/write.hpp>
#include <boost/json/value.hpp>

#include <sstream>
#include <vector>

namespace linkly {
namespace {

namespace http = boost::beast::http;

std::string beast_wire(const http_response& res) {
  std::ostringstream out;
  out << res;
  return out.str();
}

std::string our_wire(const http_response& res) {
  std::string head = "stale bytes that must go";
  write_head(res, &head);
  return head + res.body();
}

TEST(WriteHead, MatchesBeastForEveryAnswerShape) {
  std::vector<http_response> answers;
  answers.push_back(redirect_response("https://example.com/a?b=c"));
  answers.push_back(json_response(http_status::created, boost::json::value{{"code", "x"}}));
  answers.push_back(error_response(http_status::not_found, "link not found"));
  answers.push_back(method_not_allowed_response("GET, HEAD"));
  answers.push_back(no_content_response());
  http_response closing = redirect_response("https://example.com/");
  closing.keep_alive(false);
  answers.push_back(closing);
  http_response old = error_response(http_status::payload_too_large, "request body too large");
  old.version(10);
  old.keep_alive(true);
  answers.push_back(old);
  http_response head = json_response(http_status::ok, boost::json::value{{"status", "ok"}});
  strip_body_for_head(&head);
  answers.push_back(head);
  http_response custom = no_content_response();
  custom.reason("All Fine");
  custom.set("X-Custom", "v");
  answers.push_back(custom);
  for (const auto& res : answers) {
    EXPECT_EQ(our_wire(res), beast_wire(res));
  }
}

}  // namespace
}  // namespace linkly
