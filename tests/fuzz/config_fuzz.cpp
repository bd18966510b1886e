// The YAML config file: any bytes load into a config or give an error
// naming the file, never a crash or an exception out of load_yaml_config.
// load_yaml_config reads a path, so each input goes through one temp file.

#include "app/config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

const std::string& temp_path() {
  static const std::string path = [] {
    auto p = std::filesystem::temp_directory_path() /
             ("linkly-fuzz-config-" + std::to_string(::getpid()) + ".yaml");
    return p.string();
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(temp_path(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    FUZZ_CHECK(out.good());
  }
  linkly::config cfg;
  const auto settings = linkly::settings_of(cfg);
  linkly::status st = linkly::load_yaml_config(temp_path(), settings);
  // Gone at once: fork-mode workers end without running destructors.
  std::remove(temp_path().c_str());
  if (!st) {
    FUZZ_CHECK(st.message().find(temp_path()) != std::string::npos);
  }
  // Whatever was applied reads back (the values' printers see every field).
  for (const auto& s : settings) (void)s.get();
  return 0;
}
