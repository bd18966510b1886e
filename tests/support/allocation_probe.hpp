#pragma once
// allocation_probe: the largest single allocation a piece of code asked for,
// so a test can show that a decoder never allocates what a corrupt record
// claims. A test binary replaces the global operator new once, with
// LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW() in one of its .cpp files;
// a request above kRefusedBytes throws std::bad_alloc instead of being
// attempted (so a failing test cannot take the machine's memory).

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace linkly::testing {

/// Requests above this throw std::bad_alloc at once (bytes).
constexpr std::size_t kRefusedBytes = std::size_t{1} << 32;

inline std::atomic<std::size_t>& largest_allocation() {
  static std::atomic<std::size_t> largest{0};
  return largest;
}

inline void note_allocation(std::size_t n) {
  std::size_t seen = largest_allocation().load(std::memory_order_relaxed);
  while (n > seen && !largest_allocation().compare_exchange_weak(seen, n)) {
  }
}

/// Runs `fn` and returns the largest allocation it (or any thread) made.
template <class Fn>
std::size_t largest_allocation_during(Fn&& fn) {
  largest_allocation().store(0);
  fn();
  return largest_allocation().load();
}

}  // namespace linkly::testing

// The deletes are not inlined: g++ would otherwise see free() of what the
// (inlined) operator new returned and warn of a mismatch.
#define LINKLY_ALLOCATION_PROBE_DEFINE_OPERATOR_NEW()                             \
  void* operator new(std::size_t n) {                                             \
    linkly::testing::note_allocation(n);                                          \
    if (n > linkly::testing::kRefusedBytes) throw std::bad_alloc();               \
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;                          \
    throw std::bad_alloc();                                                       \
  }                                                                               \
  __attribute__((noinline)) void operator delete(void* p) noexcept {              \
    std::free(p);                                                                 \
  }                                                                               \
  __attribute__((noinline)) void operator delete(void* p, std::size_t) noexcept { \
    std::free(p);                                                                 \
  }
