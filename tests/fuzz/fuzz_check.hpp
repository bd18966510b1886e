#pragma once
// What a fuzz target asserts beyond "no crash": a broken invariant aborts
// with a message, in libFuzzer builds and in corpus replays alike (assert()
// would vanish under NDEBUG).

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                     \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      std::fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (false)
