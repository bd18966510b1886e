// normalize_url and the code rules: a url that passes is an absolute
// http(s) url within kMaxUrlBytes with nothing that could split a header
// (it becomes a Location), and normalising it again is a no-op.

#include "schemas/link_rules.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::string url, error;
  if (linkly::normalize_url(input, &url, &error)) {
    FUZZ_CHECK(url.size() <= linkly::kMaxUrlBytes);
    // The scheme as given ("HTTPS://" stays), but only http or https.
    std::string scheme = url.substr(0, url.find(':'));
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    FUZZ_CHECK(scheme == "http" || scheme == "https");
    for (unsigned char c : url) FUZZ_CHECK(c > 0x20 && c != 0x7f);
    std::string again, why;
    FUZZ_CHECK(linkly::normalize_url(url, &again, &why));
    FUZZ_CHECK(again == url);
  } else {
    FUZZ_CHECK(!error.empty());
  }

  error.clear();
  if (linkly::validate_custom_code(input, &error)) {
    FUZZ_CHECK(linkly::is_code_syntax(input));
    FUZZ_CHECK(!input.empty() && input.size() <= linkly::kMaxCodeBytes);
  }
  if (linkly::is_code_syntax(input)) {
    for (char c : input) FUZZ_CHECK(c != '/' && c != '\r' && c != '\n');
  }
  return 0;
}
