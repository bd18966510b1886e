// The JSON bodies of POST /links and PUT /links/{code}: any bytes give
// either a valid command or a client-facing error, never both or neither.

#include "http/json_body.hpp"
#include "schemas/link_rules.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);

  linkly::create_link create;
  std::string error;
  if (linkly::parse_create_body(body, &create, &error)) {
    // What passes is what the rules accept: re-normalising changes nothing.
    std::string again, why;
    FUZZ_CHECK(linkly::normalize_url(create.url, &again, &why));
    FUZZ_CHECK(again == create.url);
    FUZZ_CHECK(create.code.empty() || linkly::validate_custom_code(create.code, &why));
  } else {
    FUZZ_CHECK(!error.empty());
  }

  linkly::update_link update;
  error.clear();
  if (linkly::parse_update_body(body, &update, &error)) {
    FUZZ_CHECK(update.url.size() <= linkly::kMaxUrlBytes);
    FUZZ_CHECK(!update.url.empty() || !update.patch.empty());
  } else {
    FUZZ_CHECK(!error.empty());
  }
  return 0;
}
