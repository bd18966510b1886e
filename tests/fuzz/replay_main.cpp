// The main of a fuzz target outside a libFuzzer build: runs the target once
// on every file of the given corpus directories (and on every file whose
// path starts with the prefix after --crashes: reproducers of fixed crashes),
// so the default ctest replays what fuzzing found as a regression test.
// A crash or sanitizer report fails the test; an empty corpus does too, so
// a misplaced directory is not a silent pass.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);
// A target that started threads or servers stops them here, before main
// returns (libFuzzer itself has no such hook).
extern "C" __attribute__((weak)) void linkly_fuzz_shutdown();

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// Files named <prefix>* (prefix: "dir/name-").
std::vector<fs::path> files_with_prefix(const std::string& prefix) {
  const fs::path p(prefix);
  std::vector<fs::path> out;
  for (const auto& f : files_in(p.parent_path())) {
    if (f.filename().string().rfind(p.filename().string(), 0) == 0) out.push_back(f);
  }
  return out;
}

bool run(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", file.c_str());
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<fs::path> inputs;
  std::size_t corpus_files = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--crashes" && i + 1 < argc) {
      for (auto& f : files_with_prefix(argv[++i])) inputs.push_back(f);
    } else if (fs::is_directory(arg)) {
      auto files = files_in(arg);
      corpus_files += files.size();
      inputs.insert(inputs.end(), files.begin(), files.end());
    } else {
      inputs.emplace_back(arg);
      ++corpus_files;
    }
  }
  if (corpus_files == 0) {
    std::fprintf(stderr, "no corpus files given (usage: %s DIR|FILE... [--crashes PREFIX])\n",
                 argv[0]);
    return 2;
  }
  for (const auto& f : inputs) {
    if (!run(f)) return 1;
  }
  if (linkly_fuzz_shutdown) linkly_fuzz_shutdown();
  std::printf("replayed %zu inputs\n", inputs.size());
  return 0;
}
