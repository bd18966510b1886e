#include "storage/click_spool.hpp"

#include "storage/click_spool_layout.hpp"
#include "storage/record_format.hpp"
#include "storage/thread_priority.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>
#include <utility>

namespace linkly {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the spool stores its integers in the host's order, little-endian");

namespace spool_layout {

// After a failed segment open (no space), the io thread tries again only
// this much later: not a syscall per click while the disk is full.
constexpr std::chrono::milliseconds kRetryOpenAfter{1'000};

std::uint32_t* length_at(char* record) {
  return reinterpret_cast<std::uint32_t*>(record);
}
std::uint32_t* released_at(char* record) {
  return reinterpret_cast<std::uint32_t*>(record + 4);
}
std::uint64_t* mark_at(char* record) {
  return reinterpret_cast<std::uint64_t*>(record + 8);
}

std::string errno_text(const std::string& what, const std::string& path) {
  return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace spool_layout

using namespace spool_layout;

click_spool::click_spool(std::string dir, const spool_options& options)
    : dir_(std::move(dir)), options_(options) {}

click_spool::~click_spool() {
  {
    std::lock_guard lock(bg_mutex_);
    stopping_ = true;
  }
  bg_wake_.notify_all();
  if (bg_.joinable()) bg_.join();
  // Spares hold nothing; finished segments go. The rest (clicks not done)
  // stays for the next start's recovery.
  for (auto* list : {&spares_, &doomed_}) {
    for (const auto& seg : *list) ::unlink(seg->path.c_str());
  }
}

status check_spool_filesystem(const std::string& dir) {
  struct statfs fs {};
  if (::statfs(dir.c_str(), &fs) != 0) {
    return status::io_error("statfs " + dir + ": " + std::strerror(errno));
  }
  // Magic numbers from linux/magic.h (and ZFS's own).
  struct unsafe_fs {
    unsigned long magic;
    const char* name;
  };
  constexpr unsafe_fs kUnsafe[] = {
      {0x9123683EUL, "btrfs"}, {0x2FC12FC1UL, "zfs"}, {0x6969UL, "nfs"}, {0x65735546UL, "fuse"}};
  for (const auto& u : kUnsafe) {
    if (static_cast<unsigned long>(fs.f_type) == u.magic) {
      return status::invalid_argument(dir + " is on " + u.name +
                                      ", where a full disk can fault a store into a mapped "
                                      "file: clicks are not spooled there");
    }
  }
  return status::ok();
}

status click_spool::open(const std::string& dir, const spool_options& options,
                         std::shared_ptr<click_spool>* out) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return status::io_error("creating " + dir + ": " + ec.message());
  spool_options opts = options;
  if (opts.segment_bytes < kHeaderBytes + 4096) opts.segment_bytes = kHeaderBytes + 4096;
  if (opts.recovery_batch == 0) opts.recovery_batch = 1;
  std::shared_ptr<click_spool> spool(new click_spool(dir, opts));
  if (opts.background_files) spool->bg_ = std::thread([raw = spool.get()] { raw->background(); });
  *out = std::move(spool);
  return status::ok();
}

std::size_t click_spool::live_segments() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

std::size_t click_spool::spare_segments() const {
  std::lock_guard lock(bg_mutex_);
  return spares_.size();
}

status click_spool::create_segment(std::shared_ptr<segment>* out) {
  auto seg = std::make_shared<segment>();
  seg->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  seg->path = segment_path(seg->id);
  seg->size = options_.segment_bytes;
  int fd = ::open(seg->path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return status::io_error(errno_text("creating", seg->path));
  // Reserve the blocks now: a store into a mapped page the file system
  // cannot back would be a SIGBUS, not an error.
  if (int err = ::posix_fallocate(fd, 0, static_cast<off_t>(seg->size)); err != 0) {
    ::close(fd);
    ::unlink(seg->path.c_str());
    return status::io_error("reserving " + seg->path + ": " + std::strerror(err));
  }
  void* p = ::mmap(nullptr, seg->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  ::close(fd);
  if (p == MAP_FAILED) {
    ::unlink(seg->path.c_str());
    return status::io_error(errno_text("mapping", seg->path));
  }
  seg->base = static_cast<char*>(p);
#ifdef MADV_POPULATE_WRITE
  // Fault every page in now, writable (on the background thread for a
  // spare), so the io thread's stores do not fault one page at a time.
  // Best effort: an older kernel says EINVAL and the pages fault later.
  ::madvise(seg->base, seg->size, MADV_POPULATE_WRITE);
#endif
  std::memcpy(seg->base, kMagic, sizeof kMagic);
  std::memcpy(seg->base + 8, &kVersion, sizeof kVersion);
  {
    std::lock_guard lock(mutex_);
    live_.emplace(seg->id, seg);
  }
  *out = std::move(seg);
  return status::ok();
}

std::string click_spool::segment_path(std::uint32_t id) const {
  char name[32];
  std::snprintf(name, sizeof name, "%010u%s", id, kSuffix);
  return dir_ + "/" + name;
}

bool click_spool::recycle_segment(std::shared_ptr<segment>& old, std::shared_ptr<segment>* out) {
  // Only one nobody else holds: a thread that found it before it was
  // finished (a late done() of a retried batch) would otherwise store into
  // the new segment's records. Out of live_, it cannot be found again.
  if (old.use_count() != 1 || old->base == nullptr || old->used < kHeaderBytes ||
      old->size != options_.segment_bytes) {
    return false;
  }
  char* first = old->base + kHeaderBytes;
  // The first record's length before the rest: from here a kill leaves a
  // segment that recovery reads as empty (each of its clicks was done).
  __atomic_store_n(length_at(first), 0u, __ATOMIC_RELEASE);
  std::memset(first, 0, std::min(old->used, old->size) - kHeaderBytes);
  auto seg = std::make_shared<segment>();
  seg->id = next_id_.fetch_add(1, std::memory_order_relaxed);
  seg->path = segment_path(seg->id);
  seg->size = old->size;
  if (::rename(old->path.c_str(), seg->path.c_str()) != 0) return false;
  seg->base = std::exchange(old->base, nullptr);  // the mapping moves with the file
  {
    std::lock_guard lock(mutex_);
    live_.emplace(seg->id, seg);
  }
  *out = std::move(seg);
  return true;
}

std::shared_ptr<click_spool::segment> click_spool::find(std::uint32_t id) const {
  std::lock_guard lock(mutex_);
  auto it = live_.find(id);
  return it == live_.end() ? nullptr : it->second;
}

void click_spool::release(std::shared_ptr<segment> seg, std::int64_t n, bool now) {
  if (seg->refs.fetch_sub(n, std::memory_order_acq_rel) != n) return;
  std::shared_ptr<segment> doomed;
  {
    std::lock_guard lock(mutex_);
    auto it = live_.find(seg->id);
    if (it == live_.end()) return;
    doomed = std::move(it->second);
    live_.erase(it);
  }
  seg.reset();  // the caller's: the recycler takes only a segment held once
  if (now || !options_.background_files) {
    ::unlink(doomed->path.c_str());
    return;
  }
  {
    std::lock_guard lock(bg_mutex_);
    doomed_.push_back(std::move(doomed));
  }
  bg_wake_.notify_one();
}

status click_spool::next_segment(std::shared_ptr<segment>* out) {
  {
    std::lock_guard lock(bg_mutex_);
    if (!spares_.empty()) {
      *out = std::move(spares_.back());
      spares_.pop_back();
    }
  }
  bg_wake_.notify_one();  // make the next spare
  if (*out) return status::ok();
  return create_segment(out);  // none ready: the io thread pays, once
}

void click_spool::background() {
  // Preparing spares and deleting files waits for no redirect.
  become_background_thread("click-spool");
  std::unique_lock lock(bg_mutex_);
  auto retry_at = std::chrono::steady_clock::now();
  while (!stopping_) {
    if (!doomed_.empty()) {
      std::vector<std::shared_ptr<segment>> doomed;
      doomed.swap(doomed_);
      // Up to a spare in reserve per writer beyond the one made for it, so
      // that taking a spare leaves one and none has to be made.
      const std::size_t keep = 2 * writers_;
      std::size_t wanted = keep > spares_.size() ? keep - spares_.size() : 0;
      lock.unlock();
      std::vector<std::shared_ptr<segment>> recycled;
      for (auto& seg : doomed) {
        std::shared_ptr<segment> spare;
        if (recycled.size() < wanted && recycle_segment(seg, &spare)) {
          recycled.push_back(std::move(spare));
        } else {
          ::unlink(seg->path.c_str());
        }
      }
      doomed.clear();  // unmaps what was not recycled
      lock.lock();
      for (auto& spare : recycled) spares_.push_back(std::move(spare));
      continue;
    }
    const auto now = std::chrono::steady_clock::now();
    if (spares_.size() < writers_ && now >= retry_at) {
      lock.unlock();
      std::shared_ptr<segment> seg;
      status st = create_segment(&seg);
      lock.lock();
      if (st) {
        spares_.push_back(std::move(seg));
      } else {
        retry_at = now + kRetryOpenAfter;  // no space: try again later
      }
      continue;
    }
    if (spares_.size() < writers_) {
      bg_wake_.wait_until(lock, retry_at);
    } else {
      bg_wake_.wait(lock);
    }
  }
}

void click_spool::mark(const std::vector<envelope>& clicks, std::uint64_t first_seq) {
  std::shared_ptr<segment> seg;
  for (std::size_t i = 0; i < clicks.size(); ++i) {
    const std::uint64_t slot = clicks[i].spool_slot;
    if (slot == 0) continue;
    const auto id = static_cast<std::uint32_t>(slot >> 32);
    if (!seg || seg->id != id) seg = find(id);  // once per run of clicks from a segment
    if (!seg) continue;                         // not this process's: nothing to do
    const std::size_t offset = static_cast<std::uint32_t>(slot);
    if (offset + kRecordHeaderBytes > seg->size) continue;
    const std::uint64_t seq = first_seq == 0 ? 0 : first_seq + i;
    __atomic_store_n(mark_at(seg->base + offset), seq, __ATOMIC_RELAXED);
  }
}

void click_spool::done(const std::vector<envelope>& clicks) {
  finish(clicks.data(), clicks.size(), /*unlogged=*/false);
}

void click_spool::finish_unlogged(const envelope* clicks, std::size_t n) {
  finish(clicks, n, /*unlogged=*/true);
}

void click_spool::finish(const envelope* clicks, std::size_t n, bool unlogged) {
  // One reference count update per run of clicks from the same segment: the
  // io thread appending to it shares that cache line.
  std::shared_ptr<segment> seg;
  std::int64_t owed = 0;
  auto settle = [&] {
    if (seg && owed > 0) release(std::move(seg), owed);
    owed = 0;
  };
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t slot = clicks[i].spool_slot;
    if (slot == 0) continue;
    const auto id = static_cast<std::uint32_t>(slot >> 32);
    if (!seg || seg->id != id) {
      settle();
      seg = find(id);
    }
    if (!seg) continue;  // not this process's: nothing to do
    const std::size_t offset = static_cast<std::uint32_t>(slot);
    if (offset + kRecordHeaderBytes > seg->size) continue;
    char* record = seg->base + offset;
    if (unlogged) __atomic_store_n(mark_at(record), kDoneMark, __ATOMIC_RELAXED);
    // Once per record, whatever calls it twice (a retried batch).
    if (__atomic_exchange_n(released_at(record), 1u, __ATOMIC_ACQ_REL) == 0) ++owed;
  }
  settle();
}

click_spool::writer::writer(std::shared_ptr<click_spool> spool) : spool_(std::move(spool)) {
  if (!spool_->options_.background_files) return;
  {
    std::lock_guard lock(spool_->bg_mutex_);
    ++spool_->writers_;
  }
  spool_->bg_wake_.notify_one();
}

click_spool::writer::~writer() {
  seal();
  if (!spool_->options_.background_files) return;
  std::lock_guard lock(spool_->bg_mutex_);
  --spool_->writers_;
}

bool click_spool::writer::append(envelope& click) {
  click.spool_slot = 0;
  const std::size_t length = record_value_size(click);
  const std::size_t need = kRecordHeaderBytes + padded(length);
  const std::size_t capacity = spool_->options_.segment_bytes - kHeaderBytes;
  if (need > capacity) return false;  // larger than a segment: never for a bounded click
  if (current_ && offset_ + need > current_->size) seal();
  if (!current_) {
    const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now().time_since_epoch())
                                 .count();
    if (now < retry_after_ms_) return false;
    if (status st = spool_->next_segment(&current_); !st) {
      retry_after_ms_ = now + kRetryOpenAfter.count();
      return false;
    }
    offset_ = kHeaderBytes;
  }
  char* record = current_->base + offset_;
  // Encoded in place, straight from the envelope: no buffer in between.
  write_record_value(click, 0, record + kRecordHeaderBytes);
  current_->refs.fetch_add(1, std::memory_order_relaxed);
  // The length last: a kill before it leaves no half record, only zeros.
  __atomic_store_n(length_at(record), static_cast<std::uint32_t>(length), __ATOMIC_RELEASE);
  click.spool_slot = slot_of(current_->id, offset_);
  offset_ += need;
  return true;
}

void click_spool::writer::seal() {
  if (!current_) return;
  std::shared_ptr<segment> seg = std::move(current_);
  current_.reset();
  seg->used = offset_;  // seen by the recycler: through refs, then bg_mutex_
  spool_->release(std::move(seg));
}

status click_spool::load_segments(std::vector<std::shared_ptr<segment>>* out) {
  std::error_code ec;
  std::uint32_t highest = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    std::uint32_t id = 0;
    char rest[32] = {0};
    if (std::sscanf(name.c_str(), "%10u%31s", &id, rest) != 2) continue;
    highest = std::max(highest, id);
    if (std::string(rest) != kSuffix) continue;  // *.damaged: kept, not read again
    if (find(id)) continue;                      // this process's own
    auto seg = std::make_shared<segment>();
    seg->id = id;
    seg->path = entry.path().string();
    int fd = ::open(seg->path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) return status::io_error(errno_text("opening", seg->path));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return status::io_error(errno_text("reading", seg->path));
    }
    seg->size = static_cast<std::size_t>(st.st_size);
    if (seg->size >= kHeaderBytes) {
      void* p = ::mmap(nullptr, seg->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
      if (p == MAP_FAILED) {
        ::close(fd);
        return status::io_error(errno_text("mapping", seg->path));
      }
      seg->base = static_cast<char*>(p);
    }
    ::close(fd);
    out->push_back(std::move(seg));
  }
  if (ec) return status::io_error("listing " + dir_ + ": " + ec.message());
  if (next_id_.load(std::memory_order_relaxed) <= highest) {
    next_id_.store(highest + 1, std::memory_order_relaxed);
  }
  std::sort(out->begin(), out->end(), [](const auto& a, const auto& b) { return a->id < b->id; });
  std::lock_guard lock(mutex_);
  for (const auto& seg : *out) live_.emplace(seg->id, seg);
  return status::ok();
}

}  // namespace linkly
