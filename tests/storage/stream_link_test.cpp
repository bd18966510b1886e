// read_stream_link: one code's state from the links stream's records, as
// link_table::apply would fold them.

#include "storage/stream_link.hpp"

#include "tests/support/memory_stream_log.hpp"
#include "tests/support/stream_link_events.hpp"

#include <gtest/gtest.h>

namespace linkly {
namespace {

using testing::memory_stream_log;
using testing::publish_link_event;

TEST(StreamLinkTest, ACreatedCodeIsLiveAtVersionOneWithItsCreationAsItsLife) {
  memory_stream_log stream;
  publish_link_event(stream, link_created{"other", "https://other.example/"});
  link_attributes attrs;
  attrs.max_visits = 3;
  const std::uint64_t seq =
      publish_link_event(stream, link_created{"abc", "https://a.example/", attrs}, 5'000);
  link_info link;
  bool live = false;
  ASSERT_TRUE(read_stream_link(stream, "abc", &link, &live).is_ok());
  ASSERT_TRUE(live);
  EXPECT_EQ(link.code, "abc");
  EXPECT_EQ(link.url, "https://a.example/");
  EXPECT_EQ(link.version, 1u);
  EXPECT_EQ(link.incarnation, seq);
  EXPECT_EQ(link.created_at_ms, 5'000);
  EXPECT_EQ(link.attrs.max_visits, std::optional<std::uint32_t>(3));
}

TEST(StreamLinkTest, AnUnknownOrDeletedCodeIsNotLive) {
  memory_stream_log stream;
  publish_link_event(stream, link_created{"gone", "https://g.example/"});
  publish_link_event(stream, link_deleted{"gone"});
  link_info link;
  bool live = true;
  ASSERT_TRUE(read_stream_link(stream, "gone", &link, &live).is_ok());
  EXPECT_FALSE(live);
  live = true;
  ASSERT_TRUE(read_stream_link(stream, "never", &link, &live).is_ok());
  EXPECT_FALSE(live);
}

TEST(StreamLinkTest, AnUpdateIsFoldedWithTheCodesHistoryIntoVersionAndLife) {
  memory_stream_log stream;
  publish_link_event(stream, link_created{"x", "https://1.example/"}, 1'000);
  publish_link_event(stream, link_updated{"x", "https://2.example/", link_attributes{}}, 2'000);
  publish_link_event(stream, link_deleted{"x"}, 3'000);
  publish_link_event(stream, link_created{"y", "https://y.example/"});
  const std::uint64_t life =
      publish_link_event(stream, link_created{"x", "https://3.example/"}, 4'000);
  link_attributes attrs;
  attrs.forward_query = false;
  publish_link_event(stream, link_updated{"x", "https://4.example/", attrs}, 5'000);
  publish_link_event(stream, link_updated{"x", "https://5.example/", attrs}, 6'000);

  link_info link;
  bool live = false;
  ASSERT_TRUE(read_stream_link(stream, "x", &link, &live).is_ok());
  ASSERT_TRUE(live);
  EXPECT_EQ(link.url, "https://5.example/");
  EXPECT_EQ(link.version, 3u);  // created, then two updates in this life
  EXPECT_EQ(link.incarnation, life);
  EXPECT_EQ(link.created_at_ms, 4'000);
  EXPECT_EQ(link.updated_at_ms, 6'000);
  EXPECT_FALSE(link.attrs.forward_query);
}

// No writer stores a second create of a live code (a stream refuses it by
// its expected last seq), but a history holding one still folds as the
// table folds it: the second create is ignored.
TEST(StreamLinkTest, ASecondCreateOfALiveCodeIsIgnoredAsTheTableIgnoresIt) {
  memory_stream_log stream;
  const std::uint64_t life = publish_link_event(stream, link_created{"d", "https://1.example/"});
  publish_link_event(stream, link_created{"d", "https://2.example/"});
  publish_link_event(stream, link_updated{"d", "https://3.example/", link_attributes{}});
  link_info link;
  bool live = false;
  ASSERT_TRUE(read_stream_link(stream, "d", &link, &live).is_ok());
  ASSERT_TRUE(live);
  EXPECT_EQ(link.url, "https://3.example/");
  EXPECT_EQ(link.incarnation, life);
  EXPECT_EQ(link.version, 2u);
}

TEST(StreamLinkTest, AnUnreachableStreamIsAnError) {
  memory_stream_log stream;
  publish_link_event(stream, link_created{"abc", "https://a.example/"});
  stream.set_down(true);
  link_info link;
  bool live = true;
  EXPECT_FALSE(read_stream_link(stream, "abc", &link, &live).is_ok());
  EXPECT_FALSE(live);
}

TEST(StreamLinkTest, AnUpdateOnALogThatCannotWalkASubjectIsAnError) {
  // The default next_on_subject: only the last record can be read.
  class last_only : public memory_stream_log {
   public:
    status next_on_subject(std::string_view s, std::uint64_t f, stream_record* o) override {
      return stream_log::next_on_subject(s, f, o);
    }
  };
  last_only stream;
  publish_link_event(stream, link_created{"x", "https://1.example/"});
  publish_link_event(stream, link_updated{"x", "https://2.example/", link_attributes{}});
  link_info link;
  bool live = true;
  EXPECT_FALSE(read_stream_link(stream, "x", &link, &live).is_ok());
  EXPECT_FALSE(live);
}

}  // namespace
}  // namespace linkly
