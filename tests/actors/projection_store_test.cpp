// projection_store's snapshots: state and checkpoints survive a reopen
// together, a damaged snapshot or one of another format is set aside and
// rebuilt from the logs (never trusted, never read by an offline tool), a
// crash after a snapshot replays exactly the events after it, and one
// directory has one owner.

#include "actors/projection_store.hpp"
#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/projection_replay.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "tests/support/make_temp_dir.hpp"
#include "tests/support/store_contents.hpp"

#include <gtest/gtest.h>
#include <leveldb/env.h>
#include <leveldb/helpers/memenv.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace linkly {
namespace {

using linkly::testing::store_contents;

constexpr std::int64_t kDay1 = 1'764'547'200'000;  // 2025-12-01T00:00:00Z
constexpr std::int64_t kDayMs = 86'400'000;

// Analytics whose snapshots claim another body format.
class versioned_projection final : public projection {
 public:
  explicit versioned_projection(std::uint32_t version) : version_(version) {}
  std::string_view name() const override { return inner_.name(); }
  std::vector<std::string_view> logs() const override { return inner_.logs(); }
  status apply(std::string_view log, const envelope& env) override {
    return inner_.apply(log, env);
  }
  status save(std::string* out) const override { return inner_.save(out); }
  status load(std::string_view saved) override { return inner_.load(saved); }
  std::uint32_t snapshot_version() const override { return version_; }
  void clear() override { inner_.clear(); }
  void for_each_entry(const entry_visitor& fn) const override { inner_.for_each_entry(fn); }

 private:
  analytics_projection inner_;
  std::uint32_t version_;
};

using projection_factory = std::function<std::unique_ptr<projection>()>;

const projection_factory kAnalytics = [] { return std::make_unique<analytics_projection>(); };
const projection_factory kCache = [] { return std::make_unique<cache_projection>(); };

class ProjectionStoreTest : public ::testing::Test {
 protected:
  static constexpr const char* kDir = "/mem/store";
  static constexpr const char* kSnapshot = "/mem/store/snapshot";
  static constexpr const char* kDamaged = "/mem/store/snapshot.damaged";

  void SetUp() override {
    log_options lo;
    lo.env = mem_.get();
    ASSERT_TRUE(event_log::open("/mem/links", lo, &links_));
    ASSERT_TRUE(event_log::open("/mem/clicks", lo, &clicks_));
    // Links over two days, some updated and deleted, and clicks on them.
    std::vector<envelope> links;
    for (int i = 0; i < 12; ++i) {
      links.push_back(
          make_envelope(link_created{"c" + std::to_string(i), "https://e.com/" + std::to_string(i)},
                        kDay1 + (i < 7 ? 0 : kDayMs) + i));
    }
    for (int i = 0; i < 12; i += 4) {
      links.push_back(
          make_envelope(link_updated{"c" + std::to_string(i), "https://u.com/"}, kDay1 + 50));
    }
    links.push_back(make_envelope(link_deleted{"c5"}, kDay1 + 60));
    append_result r;
    ASSERT_TRUE(links_->append(links, &r));
    std::vector<envelope> clicks;
    const char* countries[] = {"US", "DE", "", "NL"};
    for (int i = 0; i < 40; ++i) {
      click_recorded c;
      c.code = "c" + std::to_string(i % 5);
      c.clicked_at_ms = kDay1 + (i % 3) * kDayMs + i;
      c.country = countries[i % 4];
      c.referrer = i % 2 ? "" : "https://r" + std::to_string(i % 7) + ".example/x";
      clicks.push_back(make_click_envelope(c));
    }
    ASSERT_TRUE(clicks_->append(clicks, &r));
  }

  status open(const projection_factory& make, std::unique_ptr<projection_store>* out,
              bool create = true) {
    projection_store_options o;
    o.env = mem_.get();
    o.create_if_missing = create;
    return projection_store::open(kDir, o, make(), out);
  }

  std::unique_ptr<projection_store> open_ok(const projection_factory& make) {
    std::unique_ptr<projection_store> store;
    status st = open(make, &store);
    EXPECT_TRUE(st) << st.to_string();
    return store;
  }

  // Applies each followed log up to (not including) `links_to`/`clicks_to`.
  void replay(projection_store& store, std::uint64_t links_to = kToHead,
              std::uint64_t clicks_to = kToHead) {
    std::uint64_t applied = 0;
    status st = replay_projection(store, *links_, clicks_.get(), links_to, clicks_to, 3, &applied);
    ASSERT_TRUE(st) << st.to_string();
  }

  // The state of a run over the whole logs without a stop.
  std::map<std::string, std::string> straight_run(const projection_factory& make) {
    std::unique_ptr<projection_store> store;
    projection_store_options o;
    o.env = mem_.get();
    EXPECT_TRUE(projection_store::open("/mem/straight", o, make(), &store));
    if (!store) return {};
    replay(*store);
    return store_contents(*store);
  }

  std::string read_file(const std::string& path) {
    std::string data;
    EXPECT_TRUE(leveldb::ReadFileToString(mem_.get(), path, &data).ok()) << path;
    return data;
  }
  void write_file(const std::string& path, const std::string& data) {
    ASSERT_TRUE(leveldb::WriteStringToFile(mem_.get(), data, path).ok()) << path;
  }

  // A store of both logs' analytics, saved and closed; returns its contents.
  std::map<std::string, std::string> saved_analytics() {
    auto store = open_ok(kAnalytics);
    replay(*store);
    EXPECT_TRUE(store->save());
    return store_contents(*store);
  }

  std::unique_ptr<leveldb::Env> mem_{leveldb::NewMemEnv(leveldb::Env::Default())};
  std::unique_ptr<event_log> links_;
  std::unique_ptr<event_log> clicks_;
};

TEST_F(ProjectionStoreTest, SnapshotAndReopenGiveTheSameStateAndCheckpoints) {
  for (const auto& make : {kAnalytics, kCache}) {
    ASSERT_TRUE(mem_->RemoveDir(kDir).ok() || !mem_->FileExists(kSnapshot));
    auto store = open_ok(make);
    SCOPED_TRACE(std::string(store->name()));
    ASSERT_NO_FATAL_FAILURE(replay(*store, 10, 25));
    const auto contents = store_contents(*store);
    ASSERT_FALSE(contents.empty());
    const std::uint64_t links_at = store->checkpoint(kLinksLog);
    const std::uint64_t clicks_at = store->checkpoint(kClicksLog);
    EXPECT_EQ(links_at, 9u);
    EXPECT_EQ(clicks_at, store->name() == "analytics" ? 24u : 0u);
    ASSERT_TRUE(store->save());
    EXPECT_EQ(store->unsaved(), 0u);
    store.reset();

    store = open_ok(make);
    EXPECT_EQ(store_contents(*store), contents);
    EXPECT_EQ(store->checkpoint(kLinksLog), links_at);
    EXPECT_EQ(store->checkpoint(kClicksLog), clicks_at);
    EXPECT_EQ(store->unsaved(), 0u);
    EXPECT_FALSE(mem_->FileExists(kDamaged));
    // And it goes on from there to what a straight run gives.
    ASSERT_NO_FATAL_FAILURE(replay(*store));
    EXPECT_EQ(store_contents(*store), straight_run(make));
    store.reset();
    ASSERT_TRUE(mem_->RemoveFile(kSnapshot).ok());
    mem_->RemoveFile("/mem/straight/snapshot");
  }
}

TEST_F(ProjectionStoreTest, ANewStoreIsEmptyAndWritesItsFirstSnapshot) {
  auto store = open_ok(kAnalytics);
  EXPECT_TRUE(store_contents(*store).empty());
  EXPECT_EQ(store->checkpoint(kLinksLog), 0u);
  EXPECT_TRUE(mem_->FileExists(kSnapshot)) << "the store exists from its open on";
  EXPECT_TRUE(store->health());
  store.reset();
  std::unique_ptr<projection_store> read_only;
  ASSERT_TRUE(open(kAnalytics, &read_only, /*create=*/false));
}

TEST_F(ProjectionStoreTest, AMissingStoreIsNotCreatedReadOnly) {
  std::unique_ptr<projection_store> store;
  status st = open(kAnalytics, &store, /*create=*/false);
  EXPECT_EQ(st.error_code(), status::code::invalid_argument) << st.to_string();
  EXPECT_EQ(store, nullptr);
  EXPECT_FALSE(mem_->FileExists(kSnapshot));
}

// Each way a snapshot file can be damaged: cut short, a flipped byte, junk.
std::vector<std::function<void(std::string*)>> damages() {
  return {[](std::string* s) { s->resize(s->size() / 2); },
          [](std::string* s) { s->resize(s->size() - 1); },
          [](std::string* s) { (*s)[s->size() / 2] ^= 0x20; },
          [](std::string* s) { (*s)[0] ^= 0x01; },
          [](std::string* s) { *s = "not a snapshot"; },
          [](std::string* s) { s->clear(); }};
}

TEST_F(ProjectionStoreTest, ADamagedSnapshotIsSetAsideAndTheStoreStartsEmpty) {
  const auto expected = saved_analytics();
  const std::string good = read_file(kSnapshot);
  int n = 0;
  for (const auto& damage : damages()) {
    SCOPED_TRACE("damage " + std::to_string(n++));
    std::string bad = good;
    damage(&bad);
    ASSERT_NO_FATAL_FAILURE(write_file(kSnapshot, bad));
    mem_->RemoveFile(kDamaged);

    auto store = open_ok(kAnalytics);
    ASSERT_NE(store, nullptr);
    EXPECT_TRUE(store_contents(*store).empty());
    EXPECT_EQ(store->checkpoint(kLinksLog), 0u);
    EXPECT_EQ(store->checkpoint(kClicksLog), 0u);
    ASSERT_TRUE(mem_->FileExists(kDamaged));
    EXPECT_EQ(read_file(kDamaged), bad) << "kept as it was, for a person to look at";
    EXPECT_NE(read_file(kSnapshot), bad) << "a fresh snapshot replaced it";

    // Rebuilt from the logs: what the damaged snapshot held, and more.
    ASSERT_NO_FATAL_FAILURE(replay(*store));
    EXPECT_EQ(store_contents(*store), expected);
    ASSERT_TRUE(store->save());
    store.reset();
    ASSERT_NO_FATAL_FAILURE(write_file(kSnapshot, good));
  }
}

TEST_F(ProjectionStoreTest, ADamagedSnapshotIsRefusedReadOnlyAndLeftAlone) {
  saved_analytics();
  std::string bad = read_file(kSnapshot);
  bad[bad.size() / 2] ^= 0x20;
  ASSERT_NO_FATAL_FAILURE(write_file(kSnapshot, bad));
  std::unique_ptr<projection_store> store;
  status st = open(kAnalytics, &store, /*create=*/false);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_EQ(store, nullptr);
  EXPECT_EQ(read_file(kSnapshot), bad) << "an offline reader changes nothing";
  EXPECT_FALSE(mem_->FileExists(kDamaged));
}

TEST_F(ProjectionStoreTest, ASnapshotOfAnotherBodyVersionIsRebuilt) {
  // Any version analytics does not write.
  const projection_factory v99 = [] { return std::make_unique<versioned_projection>(99); };
  {
    auto store = open_ok(v99);
    ASSERT_NO_FATAL_FAILURE(replay(*store));
    ASSERT_TRUE(store->save());
    store.reset();
    store = open_ok(v99);  // its own format reads back
    EXPECT_FALSE(store_contents(*store).empty());
  }
  std::unique_ptr<projection_store> read_only;
  status st = open(kAnalytics, &read_only, /*create=*/false);
  EXPECT_TRUE(st.is_corruption()) << st.to_string();
  EXPECT_NE(st.message().find("format 99"), std::string::npos) << st.to_string();

  auto store = open_ok(kAnalytics);
  EXPECT_TRUE(store_contents(*store).empty());
  EXPECT_EQ(store->checkpoint(kClicksLog), 0u);
  EXPECT_TRUE(mem_->FileExists(kDamaged));
  ASSERT_NO_FATAL_FAILURE(replay(*store));
  EXPECT_EQ(store_contents(*store), straight_run(kAnalytics));
}

// A crash (the store destroyed without a save) after `saved` events of
// each log were snapshotted and more applied: the reopened store is the
// snapshot, and replaying from its checkpoints gives a straight run's state.
TEST_F(ProjectionStoreTest, ACrashAfterASnapshotReplaysEachEventExactlyOnce) {
  for (const auto& make : {kAnalytics, kCache}) {
    const auto expected = straight_run(make);
    // Up to 12: the links log (16 events) has events after each.
    for (std::uint64_t saved : {0, 1, 7, 12}) {
      mem_->RemoveFile(kSnapshot);
      auto store = open_ok(make);
      SCOPED_TRACE(std::string(store->name()) + " saved after " + std::to_string(saved));
      ASSERT_NO_FATAL_FAILURE(replay(*store, saved + 1, saved + 1));
      ASSERT_TRUE(store->save());
      const auto at_save = store_contents(*store);
      const std::uint64_t links_at = store->checkpoint(kLinksLog);
      const std::uint64_t clicks_at = store->checkpoint(kClicksLog);
      ASSERT_NO_FATAL_FAILURE(replay(*store, saved + 6, saved + 9));  // not saved
      EXPECT_GT(store->unsaved(), 0u);
      store.reset();  // the crash

      store = open_ok(make);
      EXPECT_EQ(store->checkpoint(kLinksLog), links_at);
      EXPECT_EQ(store->checkpoint(kClicksLog), clicks_at);
      EXPECT_EQ(store_contents(*store), at_save);
      ASSERT_NO_FATAL_FAILURE(replay(*store));
      EXPECT_EQ(store_contents(*store), expected);
      store.reset();
    }
  }
}

TEST_F(ProjectionStoreTest, AParkedEventAppliesWithoutMovingTheCheckpoint) {
  auto store = open_ok(kAnalytics);
  ASSERT_NO_FATAL_FAILURE(replay(*store));
  const std::uint64_t clicks_at = store->checkpoint(kClicksLog);
  std::vector<envelope> first;
  ASSERT_TRUE(clicks_->read(1, 2, 1, &first));
  ASSERT_EQ(first.size(), 1u);
  const std::uint64_t before = store->unsaved();
  ASSERT_TRUE(store->apply_parked(kClicksLog, first[0]));
  EXPECT_EQ(store->checkpoint(kClicksLog), clicks_at);
  EXPECT_EQ(store->unsaved(), before + 1);
  analytics_reader reader(*store, *links_, clicks_.get());
  std::uint64_t total = 0;
  ASSERT_TRUE(reader.total_clicks("c0", &total));
  EXPECT_EQ(total, 8u + 1u);  // 40 clicks over 5 codes, and the parked one
}

TEST_F(ProjectionStoreTest, ClearEmptiesStateAndCheckpoints) {
  auto store = open_ok(kAnalytics);
  ASSERT_NO_FATAL_FAILURE(replay(*store));
  ASSERT_TRUE(store->save());
  store->clear();
  EXPECT_TRUE(store_contents(*store).empty());
  EXPECT_EQ(store->checkpoint(kLinksLog), 0u);
  EXPECT_GT(store->unsaved(), 0u);
  ASSERT_TRUE(store->save());
  store.reset();
  store = open_ok(kAnalytics);
  EXPECT_TRUE(store_contents(*store).empty()) << "the cleared state is what was saved";
  EXPECT_EQ(store->checkpoint(kClicksLog), 0u);
}

// On a real disk: LevelDB's lock is an fcntl lock on dir/LOCK.
class ProjectionStoreLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = linkly::testing::make_temp_dir();
    ASSERT_FALSE(root_.empty());
    dir_ = root_ + "/analytics";
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  status open(std::unique_ptr<projection_store>* out) {
    return projection_store::open(dir_, {}, std::make_unique<analytics_projection>(), out);
  }
  std::string root_;
  std::string dir_;
};

TEST_F(ProjectionStoreLockTest, ASecondOpenInThisProcessIsBusy) {
  std::unique_ptr<projection_store> first;
  ASSERT_TRUE(open(&first));
  EXPECT_TRUE(projection_store::exists(dir_));
  std::unique_ptr<projection_store> second;
  status st = open(&second);
  EXPECT_TRUE(st.is_busy()) << st.to_string();
  EXPECT_EQ(second, nullptr);
  first.reset();
  ASSERT_TRUE(open(&second)) << "released when the first closes";
}

TEST_F(ProjectionStoreLockTest, AnotherProcessHoldingTheLockMakesItBusy) {
  {
    std::unique_ptr<projection_store> made;
    ASSERT_TRUE(open(&made));
  }
  int ready[2];
  int release[2];
  ASSERT_EQ(::pipe(ready), 0);
  ASSERT_EQ(::pipe(release), 0);
  const std::string lock_path = dir_ + "/LOCK";
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Only async-signal-safe calls here: lock as LevelDB does, say so,
    // hold until the parent closes its end (so this copy of it goes first).
    ::close(release[1]);
    ::close(ready[0]);
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT, 0644);
    struct flock fl = {};
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    char ok = (fd >= 0 && ::fcntl(fd, F_SETLK, &fl) == 0) ? '1' : '0';
    (void)!::write(ready[1], &ok, 1);
    char byte;
    (void)!::read(release[0], &byte, 1);
    ::_exit(0);
  }
  ::close(ready[1]);
  ::close(release[0]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  EXPECT_EQ(ok, '1') << "the child could not take the lock";
  std::unique_ptr<projection_store> store;
  status st = open(&store);
  EXPECT_TRUE(st.is_busy()) << st.to_string();
  EXPECT_NE(st.message().find(dir_), std::string::npos) << st.to_string();
  ::close(release[1]);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(child, &wstatus, 0), child);
  ::close(ready[0]);
  ASSERT_TRUE(open(&store)) << "free once the other process is gone";
}

TEST_F(ProjectionStoreLockTest, FilesOfAnOlderLevelDbStoreAreRemoved) {
  std::filesystem::create_directories(dir_);
  for (const char* name : {"CURRENT", "LOG", "MANIFEST-000002", "000005.ldb", "000007.log"}) {
    std::ofstream(dir_ + "/" + name) << "old";
  }
  std::ofstream(dir_ + "/notes.txt") << "not ours to remove";
  std::unique_ptr<projection_store> store;
  ASSERT_TRUE(open(&store));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/CURRENT"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/MANIFEST-000002"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/000005.ldb"));
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/000007.log"));
  EXPECT_TRUE(std::filesystem::exists(dir_ + "/notes.txt"));
  EXPECT_TRUE(projection_store::exists(dir_));
  EXPECT_EQ(store->checkpoint(kClicksLog), 0u);
}

}  // namespace
}  // namespace linkly
