#pragma once
// A node's i-th click, for tests of the clicks stream: its url names the
// node and i, so a test can tell whose click it is and in what order.
// Header-only: the unit suites do not link tests/support/*.cpp.

#include "schemas/click_events.hpp"

#include <string>

namespace linkly::testing {

inline envelope node_click(const std::string& node, int i) {
  click_recorded c;
  c.code = "c" + std::to_string(i % 7);
  c.clicked_at_ms = 1'700'000'000'000 + i;
  c.link_version = 1;
  c.url = "https://example.com/" + node + "/" + std::to_string(i);
  return make_click_envelope(c);
}

}  // namespace linkly::testing
