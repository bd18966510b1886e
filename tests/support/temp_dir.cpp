#include "tests/support/temp_dir.hpp"

#include "storage/unique_dir.hpp"

#include <cerrno>
#include <filesystem>
#include <system_error>

namespace linkly::e2e {

temp_dir::temp_dir(const std::string& prefix) {
  path_ = make_unique_dir("/tmp/" + prefix);
  if (path_.empty()) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp /tmp/" + prefix);
  }
}

temp_dir::~temp_dir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace linkly::e2e
