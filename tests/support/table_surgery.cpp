#include "tests/support/table_surgery.hpp"

#include <leveldb/db.h>
#include <leveldb/options.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <stdexcept>

namespace linkly::e2e {

namespace {

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

void compact_one_record_per_block(const std::string& dir) {
  leveldb::Options options;
  options.create_if_missing = false;
  options.compression = leveldb::kNoCompression;
  // LevelDB ends a block once it holds at least this many bytes: one record.
  options.block_size = 1;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &raw);
  if (!s.ok()) throw std::runtime_error("opening " + dir + ": " + s.ToString());
  std::unique_ptr<leveldb::DB> db(raw);
  // Opening wrote the recovered `.log` into a table; compacting the whole
  // range rewrites every table with the options above.
  db->CompactRange(nullptr, nullptr);
}

std::string flip_byte_in_tables(const std::string& dir, const std::string& needle) {
  std::filesystem::path found;
  std::size_t at = std::string::npos;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".ldb") continue;
    std::string bytes = read_file(entry.path());
    std::size_t pos = bytes.find(needle);
    if (pos == std::string::npos) continue;
    if (!found.empty() || bytes.find(needle, pos + 1) != std::string::npos) {
      throw std::runtime_error("\"" + needle + "\" occurs more than once in the tables of " + dir);
    }
    found = entry.path();
    at = pos + needle.size() / 2;
  }
  if (found.empty()) throw std::runtime_error("\"" + needle + "\" is in no table of " + dir);
  std::fstream file(found, std::ios::binary | std::ios::in | std::ios::out);
  file.seekg(static_cast<std::streamoff>(at));
  char c = 0;
  file.get(c);
  file.seekp(static_cast<std::streamoff>(at));
  file.put(static_cast<char>(c ^ 0x01));
  file.flush();
  if (!file) throw std::runtime_error("cannot write " + found.string());
  return found.string();
}

}  // namespace linkly::e2e
