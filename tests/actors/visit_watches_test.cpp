// Watched lives (visit_watches): the registry, and the analytics
// projection keeping each watch's cell equal to its own count of that life
// (lives()) through every fold, whatever order the two logs arrive in,
// across deletion and re-creation, snapshot load and clear().

#include "actors/visit_watches.hpp"
#include "actors/analytics_projection.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "tests/actors/analytics_events.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

namespace linkly {
namespace {

using namespace analytics_test;

TEST(VisitWatches, OneWatchPerLifeAtAnAddressThatDoesNotMove) {
  visit_watches w;
  EXPECT_EQ(w.find("a", 1), 0u);
  EXPECT_EQ(w.of("a"), nullptr);
  bool added = false;
  const std::uint32_t a1 = w.add("a", 1, &added);
  EXPECT_TRUE(added);
  EXPECT_EQ(a1, 1u);
  EXPECT_EQ(w.add("a", 1, &added), a1);
  EXPECT_FALSE(added);
  const std::uint32_t a4 = w.add("a", 4, &added);
  EXPECT_TRUE(added);
  EXPECT_NE(a4, a1);
  EXPECT_EQ(w.find("a", 4), a4);
  EXPECT_EQ(w.incarnation(a4), 4u);
  ASSERT_NE(w.of("a"), nullptr);
  EXPECT_EQ(*w.of("a"), (std::vector<std::uint32_t>{a1, a4}));
  EXPECT_EQ(w.find("b", 1), 0u);

  visit_cell* first = &w.cell(a1);
  first->reset(7);
  for (int i = 0; i < 10'000; ++i) w.add("c" + std::to_string(i), 1, &added);
  EXPECT_EQ(&w.cell(a1), first);
  EXPECT_EQ(w.cell(a1).visits(), 7u);
  EXPECT_EQ(w.size(), 10'002u);
}

TEST(VisitWatches, ACopiedCellRefStartsEmpty) {
  visit_cell cell{3};
  visit_cell_ref ref;
  EXPECT_EQ(ref.get(), nullptr);
  ref.set(&cell);
  EXPECT_EQ(ref.get(), &cell);
  visit_cell_ref copy(ref);
  EXPECT_EQ(copy.get(), nullptr);
  copy.set(&cell);
  copy = visit_cell_ref{};
  EXPECT_EQ(copy.get(), nullptr);
}

TEST(VisitCell, TakesStopAtTheLimitAndCountFromTheAppliedVisits) {
  visit_cell cell;
  EXPECT_TRUE(cell.take(2));
  EXPECT_TRUE(cell.take(2));
  EXPECT_FALSE(cell.take(2));
  EXPECT_EQ(cell.visits(), 2u);
  // Their clicks applied: the same two visits, not four.
  cell.add_applied();
  cell.add_applied();
  EXPECT_EQ(cell.visits(), 2u);
  EXPECT_FALSE(cell.take(2));
  // Clicks from elsewhere (another process's spool) applied past the taken.
  cell.add_applied();
  EXPECT_EQ(cell.visits(), 3u);
  EXPECT_TRUE(cell.take(4));
  EXPECT_EQ(cell.visits(), 4u);
  // Counted again from zero (a deletion): what was taken goes with it.
  cell.reset(0);
  EXPECT_EQ(cell.visits(), 0u);
  EXPECT_TRUE(cell.take(1));
  EXPECT_FALSE(cell.take(1));
}

TEST(VisitCell, ConcurrentTakesGrantExactlyTheLimit) {
  constexpr std::uint64_t kLimit = 1'000;
  constexpr int kThreads = 4;
  constexpr int kTriesEach = 5'000;
  visit_cell cell;
  std::atomic<std::uint64_t> granted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kTriesEach; ++i) {
        if (cell.take(kLimit)) granted.fetch_add(1);
        if (i % 64 == 0) std::this_thread::yield();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(granted.load(), kLimit);
  EXPECT_EQ(cell.visits(), kLimit);
}

envelope click_at(std::uint64_t seq, const std::string& code, std::uint64_t incarnation) {
  click_recorded c;
  c.code = code;
  c.clicked_at_ms = kT0 + static_cast<std::int64_t>(seq) * 1000;
  c.incarnation = incarnation;
  envelope env = make_click_envelope(c);
  env.seq = seq;
  return env;
}

// "a": created at 1, two clicks from before incarnations (life 0), one of
// its first life; deleted at 3, created again at 4 and clicked twice. "b":
// created at 2, clicked once.
std::vector<event> links_events() {
  return {{kLinksLog, created(1, "a")},
          {kLinksLog, created(2, "b")},
          {kLinksLog, deleted(3, "a")},
          {kLinksLog, created(4, "a")}};
}
std::vector<event> click_events() {
  return {{kClicksLog, click_at(1, "a", 0)}, {kClicksLog, click_at(2, "a", 0)},
          {kClicksLog, click_at(3, "a", 1)}, {kClicksLog, click_at(4, "b", 2)},
          {kClicksLog, click_at(5, "a", 4)}, {kClicksLog, click_at(6, "a", 4)}};
}

// The lives watched below: both of "a", "b"'s, and one never clicked.
const std::vector<std::pair<std::string, std::uint64_t>> kWatched = {
    {"a", 1}, {"a", 4}, {"b", 2}, {"never", 9}};

std::uint64_t counted(const analytics_projection& p, const std::string& code, std::uint64_t inc) {
  std::uint64_t n = 0;
  for (const link_clicks* c : p.lives(code, inc)) n += c->total;
  return n;
}

using watched_cells = std::vector<std::tuple<std::string, std::uint64_t, const visit_cell*>>;

watched_cells watch_all(const analytics_projection& p) {
  watched_cells out;
  for (const auto& [code, inc] : kWatched) out.emplace_back(code, inc, p.watch(code, inc));
  return out;
}

// Every cell equals the projection's own count of its life.
void expect_cells_match(const analytics_projection& p, const watched_cells& cells,
                        const std::string& when) {
  for (const auto& [code, inc, cell] : cells) {
    ASSERT_NE(cell, nullptr) << code << "@" << inc;
    EXPECT_EQ(cell->visits(), counted(p, code, inc)) << code << "@" << inc << " " << when;
  }
}

// Each interleaving of the two logs (a live server applies them as they
// come; links or clicks may lag), with the watches added after each prefix.
std::vector<std::vector<event>> interleavings() {
  const std::vector<event> links = links_events();
  const std::vector<event> clicks = click_events();
  std::vector<std::vector<event>> out;
  // Links first, clicks first, and each links event placed after k clicks.
  for (std::size_t k = 0; k <= clicks.size(); ++k) {
    std::vector<event> order(clicks.begin(), clicks.begin() + static_cast<std::ptrdiff_t>(k));
    order.insert(order.end(), links.begin(), links.end());
    order.insert(order.end(), clicks.begin() + static_cast<std::ptrdiff_t>(k), clicks.end());
    out.push_back(order);
  }
  std::vector<event> alternating;
  for (std::size_t i = 0; i < std::max(links.size(), clicks.size()); ++i) {
    if (i < clicks.size()) alternating.push_back(clicks[i]);
    if (i < links.size()) alternating.push_back(links[i]);
  }
  out.push_back(alternating);
  return out;
}

TEST(AnalyticsWatches, ACellFollowsEveryFoldOfItsLifeWhateverTheOrder) {
  const auto orders = interleavings();
  for (std::size_t o = 0; o < orders.size(); ++o) {
    const std::vector<event>& order = orders[o];
    for (std::size_t watch_after = 0; watch_after <= order.size(); ++watch_after) {
      analytics_projection p;
      watched_cells cells;
      for (std::size_t i = 0; i <= order.size(); ++i) {
        if (i == watch_after) cells = watch_all(p);
        if (!cells.empty()) {
          expect_cells_match(p, cells,
                             "order " + std::to_string(o) + ", watched after " +
                                 std::to_string(watch_after) + ", " + std::to_string(i) +
                                 " applied");
        }
        if (i < order.size()) {
          ASSERT_TRUE(p.apply(order[i].first, order[i].second));
        }
      }
      // The final counts, whatever the order.
      EXPECT_EQ(counted(p, "a", 1), 3u);
      EXPECT_EQ(counted(p, "a", 4), 2u);
    }
  }
}

TEST(AnalyticsWatches, WatchingTheSameLifeTwiceGivesTheSameCell) {
  analytics_projection p;
  const visit_cell* cell = p.watch("a", 1);
  ASSERT_NE(cell, nullptr);
  EXPECT_EQ(p.watch("a", 1), cell);
  EXPECT_NE(p.watch("a", 4), cell);
  EXPECT_EQ(p.watch("a", kLatestIncarnation), nullptr);  // which life that is moves
}

TEST(AnalyticsWatches, ACodeCreatedAgainStartsItsCellAtZero) {
  analytics_projection p;
  for (const event& e : {event{kLinksLog, created(1, "a")}, event{kClicksLog, click_at(1, "a", 1)},
                         event{kClicksLog, click_at(2, "a", 1)}, event{kLinksLog, deleted(2, "a")},
                         event{kLinksLog, created(3, "a")}}) {
    ASSERT_TRUE(p.apply(e.first, e.second));
  }
  const visit_cell* old_life = p.watch("a", 1);
  const visit_cell* new_life = p.watch("a", 3);
  ASSERT_NE(new_life, nullptr);
  EXPECT_EQ(old_life->visits(), 2u);
  EXPECT_EQ(new_life->visits(), 0u);
  ASSERT_TRUE(p.apply(kClicksLog, click_at(3, "a", 3)));
  EXPECT_EQ(new_life->visits(), 1u);
  EXPECT_EQ(old_life->visits(), 2u);
}

TEST(AnalyticsWatches, ASnapshotLoadAndAClearSetTheSameCellsFromTheNewState) {
  analytics_projection full;
  for (const auto& e : links_events()) ASSERT_TRUE(full.apply(e.first, e.second));
  for (const auto& e : click_events()) ASSERT_TRUE(full.apply(e.first, e.second));
  std::string saved;
  ASSERT_TRUE(full.save(&saved));

  // Watched while empty, then loaded: the cells (same addresses) hold the
  // snapshot's counts and keep following folds.
  analytics_projection p;
  const watched_cells cells = watch_all(p);
  expect_cells_match(p, cells, "empty");
  ASSERT_TRUE(p.load(saved));
  expect_cells_match(p, cells, "loaded");
  EXPECT_EQ(std::get<2>(cells[1])->visits(), 2u);  // a@4
  EXPECT_EQ(std::get<2>(cells[0])->visits(), 3u);  // a@1: its life and life 0
  EXPECT_EQ(p.watch("a", 4), std::get<2>(cells[1]));
  ASSERT_TRUE(p.apply(kClicksLog, click_at(7, "a", 4)));
  expect_cells_match(p, cells, "a click after the load");
  EXPECT_EQ(std::get<2>(cells[1])->visits(), 3u);

  // A snapshot that does not load changes nothing.
  EXPECT_FALSE(p.load(saved.substr(0, saved.size() / 2)));
  expect_cells_match(p, cells, "a damaged snapshot refused");
  EXPECT_EQ(std::get<2>(cells[1])->visits(), 3u);

  // Cleared (a rebuild): every cell at zero, then the replay brings them back.
  p.clear();
  for (const auto& [code, inc, cell] : cells) EXPECT_EQ(cell->visits(), 0u) << code << "@" << inc;
  for (const auto& e : click_events()) ASSERT_TRUE(p.apply(e.first, e.second));
  for (const auto& e : links_events()) ASSERT_TRUE(p.apply(e.first, e.second));
  expect_cells_match(p, cells, "replayed");
  EXPECT_EQ(std::get<2>(cells[0])->visits(), 3u);
  EXPECT_EQ(std::get<2>(cells[1])->visits(), 2u);

  // A projection loaded from the snapshot and watched afterwards agrees.
  analytics_projection later;
  ASSERT_TRUE(later.load(saved));
  expect_cells_match(later, watch_all(later), "watched after the load");
}

TEST(AnalyticsWatches, RecountingSetsACodesCellsFromTheState) {
  analytics_projection p;
  for (const auto& e : links_events()) ASSERT_TRUE(p.apply(e.first, e.second));
  const watched_cells cells = watch_all(p);
  for (const auto& e : click_events()) ASSERT_TRUE(p.apply(e.first, e.second));
  // A cell gone wrong (what a change to a life other than a click would
  // leave without a recount) is set right by it.
  const_cast<visit_cell*>(std::get<2>(cells[1]))->reset(99);
  p.recount_watches("a");
  expect_cells_match(p, cells, "recounted");
  p.recount_watches("unwatched");  // nothing to do
  expect_cells_match(p, cells, "an unwatched code recounted");
}

}  // namespace
}  // namespace linkly
