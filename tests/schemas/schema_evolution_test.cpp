// The proof that adding a field to an event later does not break reading the
// records written before it: a v2 of link_created, defined here, reads v1
// records stored through the real record format (upcast: the new field keeps
// its default), and its own v2 records keep the field.

#include "schemas/link_events.hpp"
#include "schemas/payload_codec.hpp"
#include "storage/record_format.hpp"

#include <gtest/gtest.h>

#include <cereal/cereal.hpp>

#include <string>

namespace linkly_test {

// link_created as a later build might declare it.
struct link_created_v2 {
  std::string code;
  std::string url;
  std::string title;  // added in version 2

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t version) {
    ar(code, url);
    if (version >= 2) ar(title);
  }
};

}  // namespace linkly_test

CEREAL_CLASS_VERSION(linkly_test::link_created_v2, 2);

namespace linkly {
namespace {

using linkly_test::link_created_v2;

constexpr std::uint64_t kSeq = 17;

// Stores `env` as record kSeq and reads it back, as a later build would.
envelope store_and_load(envelope env) {
  env.seq = kSeq;
  envelope loaded;
  status st = decode_record_value(kSeq, encode_record_value(env), &loaded);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return loaded;
}

TEST(SchemaEvolution, VersionsAreThoseDeclared) {
  EXPECT_EQ(schema_version_of<link_created>(), 1u);
  EXPECT_EQ(schema_version_of<link_created_v2>(), 2u);
}

TEST(SchemaEvolution, V2ReaderDecodesV1RecordWithTitleEmpty) {
  envelope stored =
      store_and_load(make_envelope(link_created{"demo", "https://example.com/a"}, 1234));
  EXPECT_EQ(stored.type, event_type::link_created);
  EXPECT_EQ(stored.schema_version, 1u);

  link_created_v2 upcast;
  ASSERT_TRUE(decode_payload(stored.payload, &upcast));
  EXPECT_EQ(upcast.code, "demo");
  EXPECT_EQ(upcast.url, "https://example.com/a");
  EXPECT_EQ(upcast.title, "");
}

TEST(SchemaEvolution, V1RecordIsNotReadPastItsEnd) {
  // A v2 reader that ignored the stored version would read a title from
  // bytes that are not there and fail; this proves the version is honoured.
  envelope stored = store_and_load(make_envelope(link_created{"c", "https://x.org"}, 0));
  link_created_v2 upcast;
  ASSERT_TRUE(decode_payload(stored.payload, &upcast));
  EXPECT_EQ(upcast.url, "https://x.org");
}

TEST(SchemaEvolution, V2RecordRoundTripsWithTitle) {
  envelope env;
  env.type = event_type::link_created;
  env.schema_version = schema_version_of<link_created_v2>();
  env.timestamp_ms = 99;
  env.key = "demo";
  env.payload = encode_payload(link_created_v2{"demo", "https://example.com", "Example"});
  envelope stored = store_and_load(env);
  EXPECT_EQ(stored.schema_version, 2u);

  link_created_v2 decoded;
  ASSERT_TRUE(decode_payload(stored.payload, &decoded));
  EXPECT_EQ(decoded.code, "demo");
  EXPECT_EQ(decoded.url, "https://example.com");
  EXPECT_EQ(decoded.title, "Example");
}

TEST(SchemaEvolution, V1ReaderStillReadsTheFieldsItKnowsFromV2Record) {
  // Rolling back a build: the old reader keeps code and url, drops the title.
  envelope env;
  env.type = event_type::link_created;
  env.schema_version = 2;
  env.key = "demo";
  env.payload = encode_payload(link_created_v2{"demo", "https://example.com", "Example"});
  link_event decoded;
  ASSERT_TRUE(decode_link_event(store_and_load(env), &decoded));
  EXPECT_EQ(std::get<link_created>(decoded).code, "demo");
  EXPECT_EQ(std::get<link_created>(decoded).url, "https://example.com");
}

TEST(SchemaEvolution, TruncatedV2PayloadFails) {
  std::string payload = encode_payload(link_created_v2{"demo", "https://example.com", "Title"});
  payload.resize(payload.size() - 1);
  link_created_v2 decoded;
  EXPECT_FALSE(decode_payload(payload, &decoded));
}

}  // namespace
}  // namespace linkly
