#include "storage/snapshot_file.hpp"

#include "storage/leveldb_util.hpp"
#include "storage/record_format.hpp"

#include <leveldb/env.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <memory>

namespace linkly {

namespace {

constexpr std::string_view kMagic = "LKSNAPSH";
constexpr std::uint32_t kFormat = 1;

template <class T>
void put(std::string* out, T v) {
  for (std::size_t i = 0; i < sizeof(T); ++i)
    out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Reads fixed-size integers off the front of a view; fails past its end.
struct reader {
  std::string_view in;
  template <class T>
  bool get(T* v) {
    if (in.size() < sizeof(T)) return false;
    T x = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) {
      x |= static_cast<T>(static_cast<unsigned char>(in[i])) << (8 * i);
    }
    in.remove_prefix(sizeof(T));
    *v = x;
    return true;
  }
  bool bytes(std::size_t n, std::string_view* v) {
    if (in.size() < n) return false;
    *v = in.substr(0, n);
    in.remove_prefix(n);
    return true;
  }
};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// The rename is only durable once the directory entry is.
status sync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return status::io_error("opening " + dir + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return status::io_error("syncing " + dir + ": " + std::strerror(err));
  return status::ok();
}

}  // namespace

status write_snapshot_file(leveldb::Env* env, const std::string& path, const snapshot& snap) {
  if (env == nullptr) env = leveldb::Env::Default();
  std::string head(kMagic);
  put<std::uint32_t>(&head, kFormat);
  put<std::uint32_t>(&head, snap.body_version);
  put<std::uint32_t>(&head, static_cast<std::uint32_t>(snap.checkpoints.size()));
  for (const auto& [name, seq] : snap.checkpoints) {
    put<std::uint16_t>(&head, static_cast<std::uint16_t>(name.size()));
    head.append(name);
    put<std::uint64_t>(&head, seq);
  }
  put<std::uint64_t>(&head, snap.body.size());
  // The checksum covers head and body without joining them in memory.
  const std::uint32_t crc = crc32c_extend(crc32c(head), snap.body);
  std::string tail;
  put<std::uint32_t>(&tail, crc);

  const std::string tmp = path + ".tmp";
  leveldb::WritableFile* raw = nullptr;
  leveldb::Status s = env->NewWritableFile(tmp, &raw);
  if (s.ok()) {
    std::unique_ptr<leveldb::WritableFile> file(raw);
    s = file->Append(head);
    if (s.ok()) s = file->Append(snap.body);
    if (s.ok()) s = file->Append(tail);
    if (s.ok()) s = file->Sync();
    leveldb::Status closed = file->Close();
    if (s.ok()) s = closed;
  }
  if (s.ok()) s = env->RenameFile(tmp, path);
  if (!s.ok()) {
    env->RemoveFile(tmp);
    return from_leveldb(s, "writing snapshot " + path);
  }
  // A test's Env keeps no directories of its own to sync.
  if (env != leveldb::Env::Default()) return status::ok();
  return sync_dir(dir_of(path));
}

status read_snapshot_file(leveldb::Env* env, const std::string& path, snapshot* out) {
  if (env == nullptr) env = leveldb::Env::Default();
  if (!env->FileExists(path)) return status::not_found(path);
  std::string data;
  if (leveldb::Status s = leveldb::ReadFileToString(env, path, &data); !s.ok()) {
    return from_leveldb(s, "reading snapshot " + path);
  }
  auto bad = [&](const char* why) { return status::corruption("snapshot " + path + ": " + why); };
  if (data.size() < kMagic.size() + 4 ||
      std::string_view(data).substr(0, kMagic.size()) != kMagic) {
    return bad("not a snapshot file");
  }
  std::string_view all(data);
  reader r{all.substr(0, all.size() - 4)};
  reader crc_reader{all.substr(all.size() - 4)};
  std::uint32_t stored_crc = 0;
  crc_reader.get(&stored_crc);
  if (crc32c(r.in) != stored_crc) return bad("checksum mismatch (cut short or damaged)");
  r.in.remove_prefix(kMagic.size());
  std::uint32_t format = 0;
  std::uint32_t count = 0;
  if (!r.get(&format) || format != kFormat) return bad("unknown format");
  if (!r.get(&out->body_version) || !r.get(&count)) return bad("cut short");
  out->checkpoints.clear();
  for (std::uint32_t i = 0; i < count; ++i) {
    std::uint16_t size = 0;
    std::string_view name;
    std::uint64_t seq = 0;
    if (!r.get(&size) || !r.bytes(size, &name) || !r.get(&seq)) return bad("cut short");
    out->checkpoints[std::string(name)] = seq;
  }
  std::uint64_t body_size = 0;
  std::string_view body;
  if (!r.get(&body_size) || !r.bytes(body_size, &body) || !r.in.empty()) {
    return bad("body size does not match");
  }
  out->body.assign(body);
  return status::ok();
}

status lock_dir(leveldb::Env* env, const std::string& dir, leveldb::FileLock** lock) {
  if (env == nullptr) env = leveldb::Env::Default();
  leveldb::Status s = env->LockFile(dir + "/LOCK", lock);
  if (!s.ok()) {
    return status::busy(dir + " is in use by another process (is a linkly server running?)");
  }
  return status::ok();
}

void unlock_dir(leveldb::Env* env, leveldb::FileLock* lock) {
  if (lock == nullptr) return;
  if (env == nullptr) env = leveldb::Env::Default();
  env->UnlockFile(lock);
}

}  // namespace linkly
