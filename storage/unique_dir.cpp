#include "storage/unique_dir.hpp"

#include <cstdlib>
#include <vector>

namespace linkly {

std::string make_unique_dir(const std::string& prefix) {
  std::string pattern = prefix + "XXXXXX";
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  if (::mkdtemp(name.data()) == nullptr) return {};
  return name.data();
}

}  // namespace linkly
