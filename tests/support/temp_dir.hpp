#pragma once
// temp_dir: a fresh directory under /tmp (mkdtemp), removed with everything
// in it when the object goes away. Each test gets its own data directory.

#include <string>

namespace linkly::e2e {

class temp_dir {
 public:
  /// Creates /tmp/<prefix>XXXXXX. Throws std::system_error on failure.
  explicit temp_dir(const std::string& prefix = "linkly-e2e-");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace linkly::e2e
