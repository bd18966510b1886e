// The proof that adding fields to an event does not break reading the
// records written before them: link_created and link_updated gained the link
// attributes in version 2. Version-1 records, written here by the layout the
// older build used, are read through the real record format: a creation
// gets the default attributes, an update changes the url only. And an older
// reader still reads the fields it knows from a version-2 record.

#include "schemas/link_events.hpp"
#include "schemas/payload_codec.hpp"
#include "storage/record_format.hpp"

#include <gtest/gtest.h>

#include <cereal/cereal.hpp>

#include <string>

namespace linkly_test {

// link_created and link_updated as the build before attributes declared them.
struct link_created_v1 {
  std::string code;
  std::string url;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, url);
  }
};

struct link_updated_v1 {
  std::string code;
  std::string url;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t /*version*/) {
    ar(code, url);
  }
};

}  // namespace linkly_test

CEREAL_CLASS_VERSION(linkly_test::link_created_v1, 1);
CEREAL_CLASS_VERSION(linkly_test::link_updated_v1, 1);

namespace linkly {
namespace {

using linkly_test::link_created_v1;
using linkly_test::link_updated_v1;

constexpr std::uint64_t kSeq = 17;

// Stores `env` as record kSeq and reads it back, as a later build would.
envelope store_and_load(envelope env) {
  env.seq = kSeq;
  envelope loaded;
  status st = decode_record_value(kSeq, encode_record_value(env), &loaded);
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return loaded;
}

// An envelope as the build before attributes wrote it.
template <class T>
envelope old_envelope(event_type type, const T& event) {
  envelope env;
  env.type = type;
  env.schema_version = schema_version_of<T>();
  env.timestamp_ms = 1234;
  env.key = event.code;
  env.payload = encode_payload(event);
  return env;
}

link_attributes every_attribute() {
  link_attributes a;
  a.title = "Summer sale";
  a.tags = {"promo", "summer"};
  a.valid_since_ms = 1'700'000'000'000;
  a.valid_until_ms = 1'800'000'000'000;
  a.max_visits = 100;
  a.forward_query = false;
  a.crawlable = true;
  return a;
}

TEST(SchemaEvolution, VersionsAreThoseDeclared) {
  EXPECT_EQ(schema_version_of<link_created>(), 2u);
  EXPECT_EQ(schema_version_of<link_updated>(), 2u);
  EXPECT_EQ(schema_version_of<link_deleted>(), 1u);
  EXPECT_EQ(schema_version_of<link_created_v1>(), 1u);
}

TEST(SchemaEvolution, VersionOneCreationReadsWithDefaultAttributes) {
  envelope stored = store_and_load(
      old_envelope(event_type::link_created, link_created_v1{"demo", "https://example.com/a"}));
  EXPECT_EQ(stored.schema_version, 1u);
  link_event decoded;
  ASSERT_TRUE(decode_link_event(stored, &decoded));
  const auto& created = std::get<link_created>(decoded);
  EXPECT_EQ(created.code, "demo");
  EXPECT_EQ(created.url, "https://example.com/a");
  EXPECT_EQ(created.attrs, link_attributes{});
  EXPECT_TRUE(created.attrs.forward_query) << "the default is on, as for links made before";
}

TEST(SchemaEvolution, VersionOneUpdateChangesTheUrlOnly) {
  envelope stored = store_and_load(
      old_envelope(event_type::link_updated, link_updated_v1{"demo", "https://example.com/b"}));
  link_event decoded;
  ASSERT_TRUE(decode_link_event(stored, &decoded));
  const auto& updated = std::get<link_updated>(decoded);
  EXPECT_EQ(updated.url, "https://example.com/b");
  EXPECT_FALSE(updated.attrs.has_value()) << "attributes unchanged, not reset to the defaults";
}

TEST(SchemaEvolution, VersionTwoRecordsKeepEveryAttribute) {
  envelope stored = store_and_load(
      make_envelope(link_created{"demo", "https://example.com", every_attribute()}, 99));
  EXPECT_EQ(stored.schema_version, 2u);
  link_event decoded;
  ASSERT_TRUE(decode_link_event(stored, &decoded));
  EXPECT_EQ(std::get<link_created>(decoded).attrs, every_attribute());

  stored = store_and_load(
      make_envelope(link_updated{"demo", "https://example.com/2", every_attribute()}, 99));
  ASSERT_TRUE(decode_link_event(stored, &decoded));
  const auto& updated = std::get<link_updated>(decoded);
  EXPECT_EQ(updated.url, "https://example.com/2");
  ASSERT_TRUE(updated.attrs.has_value());
  EXPECT_EQ(*updated.attrs, every_attribute());

  // Cleared optionals stay cleared (not read as zero).
  link_attributes none;
  none.title = "t";
  stored = store_and_load(make_envelope(link_updated{"demo", "https://example.com", none}, 99));
  ASSERT_TRUE(decode_link_event(stored, &decoded));
  EXPECT_EQ(*std::get<link_updated>(decoded).attrs, none);
}

TEST(SchemaEvolution, OlderReaderStillReadsTheFieldsItKnowsFromVersionTwo) {
  // Rolling back a build: the old reader keeps code and url, drops the rest.
  envelope stored = store_and_load(
      make_envelope(link_created{"demo", "https://example.com", every_attribute()}, 0));
  link_created_v1 old;
  ASSERT_TRUE(decode_payload(stored.payload, &old));
  EXPECT_EQ(old.code, "demo");
  EXPECT_EQ(old.url, "https://example.com");
}

TEST(SchemaEvolution, TruncatedVersionTwoPayloadFails) {
  std::string payload =
      encode_payload(link_created{"demo", "https://example.com", every_attribute()});
  for (std::size_t cut = 1; cut < 20; ++cut) {
    link_created decoded;
    EXPECT_FALSE(
        decode_payload(std::string_view(payload).substr(0, payload.size() - cut), &decoded))
        << cut;
  }
}

TEST(SchemaEvolution, AttributesAndPatchesRoundTripAsBytes) {
  link_attributes back;
  ASSERT_TRUE(decode_attributes(encode_attributes(every_attribute()), &back));
  EXPECT_EQ(back, every_attribute());
  link_attributes_patch patch;
  patch.title = "x";
  patch.valid_until_ms = std::optional<std::int64_t>{};  // clear
  patch.max_visits = std::optional<std::uint32_t>{7};
  link_attributes_patch patch_back;
  ASSERT_TRUE(decode_patch(encode_patch(patch), &patch_back));
  EXPECT_EQ(patch_back, patch);
  EXPECT_FALSE(decode_attributes("\x05", &back));
}

}  // namespace
}  // namespace linkly
