#include "tests/support/store_surgery.hpp"

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "storage/record_format.hpp"
#include "storage/snapshot_file.hpp"

#include <leveldb/db.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

namespace linkly::e2e {

namespace {

std::unique_ptr<leveldb::DB> open_raw(const std::string& dir) {
  leveldb::Options options;
  options.create_if_missing = false;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(options, dir, &db);
  if (!s.ok()) throw std::runtime_error("opening " + dir + ": " + s.ToString());
  return std::unique_ptr<leveldb::DB>(db);
}

void check(const leveldb::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + ": " + s.ToString());
}

// The projection a store directory holds, by its name (the server's layout:
// DATA/cache, DATA/analytics).
std::unique_ptr<projection> projection_of(const std::string& dir) {
  const std::string name = std::filesystem::path(dir).filename().string();
  if (name == "cache") return std::make_unique<cache_projection>();
  if (name == "analytics") return std::make_unique<analytics_projection>();
  throw std::runtime_error("no projection is kept in a directory named \"" + name + "\": " + dir);
}

std::unique_ptr<projection_store> open_projection(const std::string& dir) {
  projection_store_options options;
  options.create_if_missing = false;
  std::unique_ptr<projection_store> store;
  if (status st = projection_store::open(dir, options, projection_of(dir), &store); !st) {
    throw std::runtime_error("opening " + dir + ": " + st.to_string());
  }
  return store;
}

}  // namespace

void overwrite_log_record(const std::string& dir, std::uint64_t seq, const std::string& value) {
  auto db = open_raw(dir);
  leveldb::WriteOptions options;
  options.sync = true;
  check(db->Put(options, encode_record_key(seq), value), "writing " + dir);
}

void erase_log_record(const std::string& dir, std::uint64_t seq) {
  auto db = open_raw(dir);
  leveldb::WriteOptions options;
  options.sync = true;
  check(db->Delete(options, encode_record_key(seq)), "erasing in " + dir);
}

std::string link_created_record(std::uint64_t seq, const std::string& key,
                                const std::string& payload) {
  envelope env;
  env.seq = seq;
  env.type = event_type::link_created;
  env.schema_version = 1;
  env.timestamp_ms = 1'700'000'000'000;
  env.key = key;
  env.payload = payload;
  return encode_record_value(env);
}

void add_projection_clicks(const std::string& dir, const std::string& code, std::uint64_t extra) {
  auto store = open_projection(dir);
  click_recorded click;
  click.code = code;
  click.clicked_at_ms = 1'700'000'000'000;
  envelope env = make_click_envelope(click);
  for (std::uint64_t i = 0; i < extra; ++i) {
    if (status st = store->apply_parked("clicks", env); !st) {
      throw std::runtime_error("applying a click to " + dir + ": " + st.to_string());
    }
  }
  if (status st = store->save(); !st) {
    throw std::runtime_error("saving " + dir + ": " + st.to_string());
  }
}

std::map<std::string, std::string> projection_contents(const std::string& dir) {
  auto store = open_projection(dir);
  std::map<std::string, std::string> out;
  store->read([&](const projection& p) {
    p.for_each_entry([&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k), std::string(v));
    });
  });
  for (const char* log : {"links", "clicks"}) {
    out["checkpoint:" + std::string(log)] = std::to_string(store->checkpoint(log));
  }
  return out;
}

std::string snapshot_path(const std::string& dir) {
  return dir + "/snapshot";
}

std::map<std::string, std::uint64_t> snapshot_checkpoints(const std::string& dir) {
  snapshot snap;
  if (status st = read_snapshot_file(nullptr, snapshot_path(dir), &snap); !st) {
    throw std::runtime_error("reading the snapshot of " + dir + ": " + st.to_string());
  }
  return {snap.checkpoints.begin(), snap.checkpoints.end()};
}

std::string newest_log_file(const std::string& dir) {
  std::string newest;
  std::uint64_t newest_number = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= 4 || name.substr(name.size() - 4) != ".log") continue;
    const std::string digits = name.substr(0, name.size() - 4);
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const std::uint64_t number = std::stoull(digits);
    if (newest.empty() || number > newest_number) {
      newest = entry.path().string();
      newest_number = number;
    }
  }
  if (newest.empty()) throw std::runtime_error("no .log file in " + dir);
  return newest;
}

bool has_table_files(const std::string& dir) {
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".ldb" || ext == ".sst") return true;
  }
  return false;
}

void truncate_file_by(const std::string& path, std::uint64_t bytes) {
  const std::uint64_t size = std::filesystem::file_size(path);
  if (bytes > size) throw std::runtime_error(path + " is shorter than the cut");
  std::filesystem::resize_file(path, size - bytes);
}

void flip_byte(const std::string& path, std::uint64_t offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  if (!file) throw std::runtime_error("cannot open " + path);
  file.seekg(static_cast<std::streamoff>(offset));
  char byte = 0;
  if (!file.get(byte)) throw std::runtime_error("no byte at offset " + std::to_string(offset));
  file.seekp(static_cast<std::streamoff>(offset));
  file.put(static_cast<char>(~byte));
  if (!file.flush()) throw std::runtime_error("cannot write " + path);
}

}  // namespace linkly::e2e
