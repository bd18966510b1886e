#pragma once
// Publishing link events to a stream_log as a node's writer would (record
// value with seq 0 on links.<code>), for tests of what reads a code's state
// back from the stream.

#include "schemas/link_events.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_log.hpp"
#include "storage/stream_subjects.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace linkly::testing {

/// Publishes `event` (stamped `timestamp_ms`) and returns its seq.
inline std::uint64_t publish_link_event(stream_log& stream, const link_event& event,
                                        std::int64_t timestamp_ms = 1'000) {
  const envelope env = make_envelope(event, timestamp_ms);
  publish_outcome out;
  const status st = stream.publish(links_subject(env.key), encode_record_value(env),
                                   stream_log::kAnyLast, "", &out);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return out.seq;
}

}  // namespace linkly::testing
