#include "actors/miss_lookup.hpp"

#include "storage/stream_link.hpp"
#include "storage/stream_log.hpp"
#include "storage/thread_priority.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

namespace linkly {

const char* to_string(miss_result r) {
  switch (r) {
    case miss_result::found:
      return "found";
    case miss_result::absent:
      return "absent";
    case miss_result::shed:
      return "shed";
    case miss_result::failed:
      return "failed";
    case miss_result::unreachable:
      return "unreachable";
  }
  return "failed";
}

miss_lookup::miss_lookup(std::shared_ptr<stream_log> stream, std::function<bool()> reachable,
                         miss_lookup_options options)
    : stream_(std::move(stream)),
      reachable_(std::move(reachable)),
      options_(options),
      tokens_(options.burst),
      refilled_(std::chrono::steady_clock::now()) {
  const std::size_t n = std::max<std::size_t>(1, options_.threads);
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { run(); });
}

miss_lookup::~miss_lookup() {
  stop();
}

void miss_lookup::count(miss_result r) {
  counts_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
}

bool miss_lookup::submit(std::string code, callback done) {
  // Known down: a lookup would only wait for its timeout.
  if (reachable_ && !reachable_()) {
    count(miss_result::unreachable);
    return false;
  }
  {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - refilled_).count();
    tokens_ = std::min(options_.burst, tokens_ + elapsed * options_.per_second);
    refilled_ = now;
    if (!stopping_ && in_flight_ < options_.max_in_flight && tokens_ >= 1) {
      tokens_ -= 1;
      ++in_flight_;
      queue_.push_back(job{std::move(code), std::move(done), now + options_.queue_timeout});
      queued_.notify_one();
      return true;
    }
  }
  count(miss_result::shed);
  return false;
}

void miss_lookup::answer(job& j, miss_result r, const link_info& link) {
  try {
    j.done(r, link);
  } catch (const std::exception& e) {
    spdlog::warn("the answer to a redirect of {} after its lookup threw: {}", j.code, e.what());
  }
}

void miss_lookup::run() {
  name_thread("miss-lookup");
  for (;;) {
    job j;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left
      j = std::move(queue_.front());
      queue_.pop_front();
    }
    link_info link;
    miss_result r = miss_result::failed;
    if (std::chrono::steady_clock::now() < j.deadline) {
      // A throw (an allocation, a reply of an unexpected shape) fails this
      // lookup, never the thread and with it the process.
      try {
        bool live = false;
        if (status st = read_stream_link(*stream_, j.code, &link, &live); !st) {
          spdlog::debug("lookup of missing code {} in the links stream failed: {}", j.code,
                        st.to_string());
        } else {
          r = live ? miss_result::found : miss_result::absent;
        }
      } catch (const std::exception& e) {
        spdlog::warn("lookup of missing code {} in the links stream threw: {}", j.code, e.what());
        r = miss_result::failed;
      }
    }
    if (r != miss_result::found) link = {};
    count(r);
    answer(j, r, link);
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
}

void miss_lookup::stop() {
  std::deque<job> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    left.swap(queue_);
    queued_.notify_all();
  }
  for (job& j : left) {
    count(miss_result::failed);
    answer(j, miss_result::failed, link_info{});
  }
  for (std::thread& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

miss_counts miss_lookup::counts() const {
  miss_counts c;
  auto of = [this](miss_result r) {
    return counts_[static_cast<std::size_t>(r)].load(std::memory_order_relaxed);
  };
  c.found = of(miss_result::found);
  c.absent = of(miss_result::absent);
  c.shed = of(miss_result::shed);
  c.failed = of(miss_result::failed);
  c.unreachable = of(miss_result::unreachable);
  return c;
}

void miss_lookup::append_metrics(std::string* out) const {
  const miss_counts c = counts();
  out->append(
      "# HELP linkly_cluster_miss_lookups_total Redirect misses looked up in the links stream "
      "(codes created on another node and not yet copied here), by result.\n"
      "# TYPE linkly_cluster_miss_lookups_total counter\n");
  const std::pair<miss_result, std::uint64_t> rows[] = {{miss_result::found, c.found},
                                                        {miss_result::absent, c.absent},
                                                        {miss_result::shed, c.shed},
                                                        {miss_result::failed, c.failed},
                                                        {miss_result::unreachable, c.unreachable}};
  for (const auto& [r, n] : rows) {
    out->append("linkly_cluster_miss_lookups_total{result=\"")
        .append(to_string(r))
        .append("\"} ")
        .append(std::to_string(n))
        .append("\n");
  }
}

}  // namespace linkly
