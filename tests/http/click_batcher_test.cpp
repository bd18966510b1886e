// click_batcher on a local io_context: batches by count and by time, one
// submit per batch, nothing lost on close or destruction.

#include "http/click_batcher.hpp"

#include "schemas/click_events.hpp"
#include "tests/http/fake_click_service.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace linkly {
namespace {

using namespace std::chrono_literals;
using testing::fake_click_service;

envelope click(int i) {
  click_recorded c;
  c.code = "c" + std::to_string(i);
  return make_click_envelope(c);
}

std::vector<std::size_t> sizes(const fake_click_service& f) {
  std::vector<std::size_t> out;
  for (const auto& b : f.batches()) out.push_back(b.size());
  return out;
}

TEST(ClickBatcher, FlushesWhenFull) {
  boost::asio::io_context io;
  fake_click_service clicks;
  click_batcher batcher(io, clicks, {4, 10s});
  for (int i = 0; i < 10; ++i) batcher.add(click(i));
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{4, 4}));
  EXPECT_EQ(batcher.pending(), 2u);
  auto all = clicks.submitted();
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i].key, "c" + std::to_string(i));
}

TEST(ClickBatcher, FlushesAfterMaxWait) {
  boost::asio::io_context io;
  fake_click_service clicks;
  click_batcher batcher(io, clicks, {64, 1ms});
  batcher.add(click(0));
  batcher.add(click(1));
  EXPECT_EQ(clicks.submitted_count(), 0u);
  auto start = std::chrono::steady_clock::now();
  io.run_one_for(2s);  // the timer
  EXPECT_LT(std::chrono::steady_clock::now() - start, 500ms);
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{2}));
  EXPECT_EQ(batcher.pending(), 0u);
  // The next click arms the timer again.
  batcher.add(click(2));
  io.restart();
  io.run_one_for(2s);
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{2, 1}));
}

TEST(ClickBatcher, AFullBatchDisarmsTheTimer) {
  boost::asio::io_context io;
  fake_click_service clicks;
  click_batcher batcher(io, clicks, {2, 1ms});
  batcher.add(click(0));
  batcher.add(click(1));  // full: submitted, timer cancelled
  io.run_for(20ms);
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{2}));
  EXPECT_TRUE(io.stopped());  // nothing left waiting
}

TEST(ClickBatcher, CloseFlushesAndThenSubmitsEachClick) {
  boost::asio::io_context io;
  fake_click_service clicks;
  click_batcher batcher(io, clicks, {64, 10s});
  batcher.add(click(0));
  batcher.add(click(1));
  batcher.close();
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{2}));
  batcher.add(click(2));
  EXPECT_EQ(sizes(clicks), (std::vector<std::size_t>{2, 1}));
  io.run_for(20ms);
  EXPECT_TRUE(io.stopped());  // close() disarmed the timer
}

TEST(ClickBatcher, DestructionSubmitsWhatIsLeft) {
  boost::asio::io_context io;
  fake_click_service clicks;
  {
    click_batcher batcher(io, clicks, {64, 10s});
    batcher.add(click(0));
  }
  EXPECT_EQ(clicks.submitted_count(), 1u);
  io.run_for(20ms);  // the cancelled wait must not touch the gone batcher
}

TEST(ClickBatcher, PayloadBuffersComeFromThePoolABatchAtATime) {
  boost::asio::io_context io;
  fake_click_service clicks;
  auto payloads = std::make_shared<payload_pool>();
  std::vector<envelope> written(10);
  for (auto& c : written) c.payload.assign(500, 'w');
  payloads->give(written);
  click_batcher batcher(io, clicks, {4, 10s}, nullptr, payloads);

  std::string buffer = batcher.payload_buffer();
  EXPECT_TRUE(buffer.empty());
  EXPECT_GE(buffer.capacity(), 500u);  // a written click's: no allocation
  EXPECT_EQ(payloads->size(), 6u);     // one hand-over batch taken: 4
  for (int i = 0; i < 3; ++i) batcher.payload_buffer();
  EXPECT_EQ(payloads->size(), 6u);  // the rest of that batch
  batcher.payload_buffer();
  EXPECT_EQ(payloads->size(), 2u);
}

TEST(ClickBatcher, WithoutAPoolAPayloadBufferIsNew) {
  boost::asio::io_context io;
  fake_click_service clicks;
  click_batcher batcher(io, clicks, {4, 10s});
  EXPECT_TRUE(batcher.payload_buffer().empty());
}

}  // namespace
}  // namespace linkly
