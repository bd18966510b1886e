# Sanitized builds (see CMakePresets.json):
#   LINKLY_SANITIZE  every target with ASan+UBSan (the `asan` preset), to run
#                    the normal test suite under them.
#   LINKLY_FUZZ      the libFuzzer targets of tests/fuzz (the `fuzz` preset,
#                    clang only): every library is built with ASan+UBSan and
#                    libFuzzer's coverage, the targets link libFuzzer's main.
# Both apply to the whole tree: a sanitizer only sees what was compiled with it.
option(LINKLY_SANITIZE "Build everything with AddressSanitizer and UndefinedBehaviorSanitizer" OFF)
option(LINKLY_FUZZ "Build the libFuzzer targets in tests/fuzz (clang; implies ASan+UBSan)" OFF)

if(LINKLY_SANITIZE OR LINKLY_FUZZ)
  # UB aborts rather than prints and continues, so a test or a fuzz run fails.
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=undefined
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

if(LINKLY_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "LINKLY_FUZZ needs clang (e.g. -DCMAKE_CXX_COMPILER=clang++-14, "
                        "or cmake --preset fuzz); libFuzzer is clang's")
  endif()
  # Coverage for libFuzzer in every library; only the targets link its main.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

