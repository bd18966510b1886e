// access_control without HTTP: the token check, the constant-time compare,
// token rules, and the session store on an injected clock (no sleeping).

#include "http/access_control.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace linkly {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view kToken = "s3cret-token-0123456789";

class AccessControlTest : public ::testing::Test {
 protected:
  access_control make(std::chrono::milliseconds ttl = 60s, std::size_t max_sessions = 16) {
    access_options options;
    options.token = std::string(kToken);
    options.session_ttl = ttl;
    options.max_sessions = max_sessions;
    return access_control(options, [this] { return now_; });
  }

  access_control::clock::time_point now_{std::chrono::hours(1)};
};

TEST(ConstantTimeEqual, EqualStringsAreEqual) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  std::string big(4096, 'x');
  EXPECT_TRUE(constant_time_equal(big, std::string(4096, 'x')));
}

TEST(ConstantTimeEqual, DifferentBytesAreUnequal) {
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "Abc"));
  std::string a(64, 'a'), b(64, 'a');
  b[63] = 'b';
  EXPECT_FALSE(constant_time_equal(a, b));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
}

TEST(ConstantTimeEqual, DifferentLengthsAreUnequal) {
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_FALSE(constant_time_equal("abcd", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  // A prefix of the other is not equal to it.
  EXPECT_FALSE(constant_time_equal(std::string(kToken), std::string(kToken).substr(0, 10)));
  EXPECT_FALSE(constant_time_equal(std::string("abc\0", 4), "abc"));
}

TEST(TokenProblem, AcceptsLongVisibleTokens) {
  EXPECT_EQ(token_problem(kToken), std::nullopt);
  EXPECT_EQ(token_problem("0123456789abcdef"), std::nullopt);  // exactly the minimum
}

TEST(TokenProblem, RefusesEmptyShortOrBlankTokens) {
  for (std::string_view bad : {"", " ", "                    ",
                               "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t", "0123456789abcde", "short"}) {
    auto problem = token_problem(bad);
    EXPECT_TRUE(problem.has_value()) << '"' << bad << '"';
  }
  auto problem = token_problem("tiny-tok");
  ASSERT_TRUE(problem.has_value());
  EXPECT_EQ(problem->find("tiny-tok"), std::string::npos) << "quotes the token: " << *problem;
  EXPECT_TRUE(token_problem("0123456789 abcdef0123").has_value());
  EXPECT_TRUE(token_problem("0123456789abcdef0123\n").has_value());
}

TEST(IsLoopbackHost, KnowsLoopbackFromNetworkAddresses) {
  for (auto host : {"127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (auto host : {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", ""}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST_F(AccessControlTest, MatchesOnlyTheConfiguredToken) {
  auto access = make();
  EXPECT_TRUE(access.enabled());
  EXPECT_TRUE(access.token_matches(kToken));
  EXPECT_FALSE(access.token_matches(""));
  EXPECT_FALSE(access.token_matches(std::string(kToken) + "x"));
  EXPECT_FALSE(access.token_matches(std::string(kToken).substr(1)));
}

TEST(AccessControl, WithoutTokenIsDisabledAndMatchesNothing) {
  access_control access{access_options{}};
  EXPECT_FALSE(access.enabled());
  EXPECT_FALSE(access.token_matches(""));
  EXPECT_FALSE(access.session_valid(access.open_session()));
}

TEST_F(AccessControlTest, SessionIdsAreLongRandomAndValid) {
  auto access = make();
  std::set<std::string> ids;
  for (int i = 0; i < 8; ++i) {
    std::string id = access.open_session();
    ASSERT_EQ(id.size(), 64u);  // 256 bits as hex
    EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
    EXPECT_TRUE(access.session_valid(id));
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 8u);
  EXPECT_FALSE(access.session_valid(""));
  EXPECT_FALSE(access.session_valid(std::string(64, '0')));
  EXPECT_FALSE(access.session_valid(kToken));  // the token is not a session
}

TEST_F(AccessControlTest, ExpiredSessionIsRefusedAndPruned) {
  auto access = make(/*ttl=*/10s);
  std::string early = access.open_session();
  now_ += 6s;
  std::string late = access.open_session();
  now_ += 3999ms;  // early: 9.999 s old
  EXPECT_TRUE(access.session_valid(early));
  now_ += 1ms;  // early: exactly 10 s
  EXPECT_FALSE(access.session_valid(early));
  EXPECT_TRUE(access.session_valid(late));
  EXPECT_EQ(access.session_count(), 1u);
  now_ += 6s;
  EXPECT_FALSE(access.session_valid(late));
  EXPECT_EQ(access.session_count(), 0u);
}

TEST_F(AccessControlTest, ClosedSessionIsRefused) {
  auto access = make();
  std::string kept = access.open_session();
  std::string ended = access.open_session();
  access.close_session(ended);
  EXPECT_FALSE(access.session_valid(ended));
  EXPECT_TRUE(access.session_valid(kept));
  access.close_session(ended);  // twice is harmless
  access.close_session("no-such-session");
  EXPECT_EQ(access.session_count(), 1u);
}

TEST_F(AccessControlTest, OldestSessionIsEvictedBeyondTheCap) {
  auto access = make(60s, /*max_sessions=*/3);
  std::string ids[4];
  for (auto& id : ids) {
    id = access.open_session();
    now_ += 1ms;
  }
  EXPECT_FALSE(access.session_valid(ids[0]));
  for (int i = 1; i < 4; ++i) EXPECT_TRUE(access.session_valid(ids[i])) << i;
  EXPECT_EQ(access.session_count(), 3u);
}

}  // namespace
}  // namespace linkly
