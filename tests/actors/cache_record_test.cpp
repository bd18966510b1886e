// A cache record (cereal link_record) claiming more bytes than it holds is
// reported as corruption, by the point read and by the snapshot load, and
// nothing of the claimed size is allocated.

#include "actors/cache_projection.hpp"
#include "actors/link_table.hpp"
#include "schemas/link_events.hpp"
#include "actors/projection_store.hpp"
#include "tests/support/allocation_probe.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW()

namespace linkly {
namespace {

constexpr std::size_t kModestBytes = 1 << 20;

class CacheRecordTest : public ::testing::Test {
 protected:
  void SetUp() override {
    projection_store_options o;
    o.env = env_.get();
    ASSERT_TRUE(projection_store::open("/mem/cache", o, &store_));
  }

  // Writes the record of `code` as the cache projection does, then makes
  // its url claim `size` bytes (cereal: the class version u32, then the
  // url's size tag). nullopt: left intact.
  void put_record(const std::string& code, std::optional<std::uint64_t> size) {
    envelope env = make_envelope(link_created{code, "https://example.com/"}, 1);
    env.seq = 1;
    write_set writes;
    ASSERT_TRUE(cache_projection().apply(kLinksLog, env, *store_, &writes));
    ASSERT_TRUE(store_->commit(writes));
    if (!size) return;
    std::string value;
    ASSERT_TRUE(store_->get(code, &value));
    std::memcpy(value.data() + 4, &*size, sizeof(*size));
    write_set patch;
    patch.put(code, value);
    ASSERT_TRUE(store_->commit(patch));
  }

  std::unique_ptr<leveldb::Env> env_{leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<projection_store> store_;
};

TEST_F(CacheRecordTest, HugeClaimedUrlIsCorruptionNotAnAllocation) {
  put_record("demo", std::uint64_t{1} << 40);
  link_record out;
  status st;
  std::size_t largest =
      testing::largest_allocation_during([&] { st = read_cached_link(*store_, "demo", &out); });
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("demo"), std::string::npos) << st.to_string();
  EXPECT_LT(largest, kModestBytes);

  shard_replay replay;
  largest =
      testing::largest_allocation_during([&] { st = load_cache_snapshot(*store_, 1, &replay); });
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_LT(largest, kModestBytes);
}

TEST_F(CacheRecordTest, IntactRecordStillReads) {
  put_record("demo", std::nullopt);
  link_record out;
  ASSERT_TRUE(read_cached_link(*store_, "demo", &out));
  EXPECT_EQ(out.url, "https://example.com/");
  EXPECT_EQ(out.seqs, std::vector<std::uint64_t>{1});
}

}  // namespace
}  // namespace linkly
