#include "storage/leveldb_log_scan.hpp"

#include "storage/record_format.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace linkly {

namespace {

// LevelDB's log format (db/log_format.h), fixed since its first release.
constexpr std::size_t kBlockSize = 32768;
constexpr std::size_t kHeaderSize = 7;  // crc:u32 length:u16 type:u8
enum fragment_type : unsigned { kZero = 0, kFull = 1, kFirst = 2, kMiddle = 3, kLast = 4 };
constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;
// A WriteBatch starts with its LevelDB sequence number and entry count.
constexpr std::size_t kBatchHeaderSize = 12;
// A damaged batch's count is trusted to name seqs only up to this many
// entries (linkly's appends are far smaller); beyond, only the keys read.
constexpr std::uint64_t kMaxTrustedCount = 1u << 20;

std::uint32_t fixed32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

std::uint32_t unmask(std::uint32_t masked) {
  const std::uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

bool get_varint32(std::string_view* in, std::uint32_t* v) {
  std::uint32_t result = 0;
  for (int shift = 0; shift <= 28 && !in->empty(); shift += 7) {
    const auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= static_cast<std::uint32_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

// The linkly seqs a WriteBatch's bytes name, as far as they read; widens
// [*first, *last]. `trust_count`: name first..first+count-1 from the header.
void name_batch(std::string_view rep, bool trust_count, std::uint64_t* first, std::uint64_t* last) {
  if (rep.size() < kBatchHeaderSize) return;
  const std::uint32_t count = fixed32(rep.data() + 8);
  rep.remove_prefix(kBatchHeaderSize);
  std::uint64_t lo = 0;
  std::uint64_t hi = 0;
  std::uint64_t first_key = 0;
  for (std::uint32_t i = 0; i < count && !rep.empty(); ++i) {
    const auto tag = static_cast<unsigned char>(rep.front());
    rep.remove_prefix(1);
    std::uint32_t key_size = 0;
    if (!get_varint32(&rep, &key_size) || rep.size() < key_size) break;
    // A record's key names its seq, a batch record's its first..last.
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (decode_record_range(rep.substr(0, key_size), &first, &last) && first != 0) {
      if (i == 0) first_key = first;
      lo = lo == 0 ? first : std::min(lo, first);
      hi = std::max(hi, last);
    }
    rep.remove_prefix(key_size);
    if (tag == 1) {  // a put: its value follows
      std::uint32_t value_size = 0;
      if (!get_varint32(&rep, &value_size) || rep.size() < value_size) break;
      rep.remove_prefix(value_size);
    } else if (tag != 0) {
      break;  // neither put nor delete: the rest is not a batch
    }
  }
  if (trust_count && first_key != 0 && count > 0 && count <= kMaxTrustedCount) {
    hi = std::max(hi, first_key + count - 1);
  }
  if (lo == 0) return;
  *first = *first == 0 ? lo : std::min(*first, lo);
  *last = std::max(*last, hi);
}

class file_scanner {
 public:
  file_scanner(const std::string& name, std::string_view data, bool newest, log_files_scan* out)
      : name_(name), data_(data), newest_(newest), out_(out) {}

  void run() {
    for (std::size_t block = 0; block < data_.size(); block += kBlockSize) {
      const std::size_t end = std::min(block + kBlockSize, data_.size());
      scan_block(block, end, end - block < kBlockSize);
    }
    if (in_fragment_) {
      // The end of the file inside a record: LevelDB drops it without a word.
      drop(scratch_offset_, scratch_.size(), "record cut short at the end of the file", newest_,
           scratch_);
    }
  }

 private:
  void scan_block(std::size_t p, std::size_t end, bool eof) {
    while (end - p >= kHeaderSize) {
      const char* header = data_.data() + p;
      const std::size_t length =
          static_cast<unsigned char>(header[4]) |
          (static_cast<std::size_t>(static_cast<unsigned char>(header[5])) << 8);
      const unsigned type = static_cast<unsigned char>(header[6]);
      if (p + kHeaderSize + length > end) {
        if (eof) {
          drop_rest(p, end, "record cut short at the end of the file", newest_);
        } else {
          drop_rest(p, end, "bad record length", false);
        }
        return;
      }
      if (type == kZero && length == 0) {
        // Preallocated space: LevelDB skips the rest of the block.
        if (in_fragment_) drop_scratch("error in middle of record");
        return;
      }
      const std::uint32_t expected = unmask(fixed32(header));
      if (crc32c(std::string_view(header + 6, 1 + length)) != expected) {
        drop_rest(p, end, "checksum mismatch", false);
        return;
      }
      fragment(p, type, data_.substr(p + kHeaderSize, length));
      p += kHeaderSize + length;
    }
    if (eof && p < end && data_.find_first_not_of('\0', p) != std::string_view::npos) {
      // A header cut short at the end of the file.
      drop(p, end - p, "header cut short at the end of the file", newest_, {});
    }
  }

  void fragment(std::size_t offset, unsigned type, std::string_view bytes) {
    switch (type) {
      case kFull:
        if (in_fragment_ && !scratch_.empty()) drop_scratch("partial record without end");
        in_fragment_ = false;
        record(bytes, offset);
        return;
      case kFirst:
        if (in_fragment_ && !scratch_.empty()) drop_scratch("partial record without end");
        scratch_.assign(bytes);
        scratch_offset_ = offset;
        in_fragment_ = true;
        return;
      case kMiddle:
      case kLast:
        if (!in_fragment_) {
          drop(offset, bytes.size(), "missing start of fragmented record", false, {});
          return;
        }
        scratch_.append(bytes);
        if (type == kLast) {
          in_fragment_ = false;
          record(scratch_, scratch_offset_);
          scratch_.clear();
        }
        return;
      default:
        drop(offset, bytes.size() + (in_fragment_ ? scratch_.size() : 0),
             "unknown record type " + std::to_string(type), false,
             in_fragment_ ? scratch_ : std::string());
        in_fragment_ = false;
        scratch_.clear();
        return;
    }
  }

  void record(std::string_view rep, std::size_t offset) {
    if (rep.size() < kBatchHeaderSize) {
      drop(offset, rep.size(), "log record too small", false, {});
      return;
    }
    ++out_->batches;
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    name_batch(rep, false, &first, &last);
    out_->last_intact_seq = std::max(out_->last_intact_seq, last);
  }

  void drop_scratch(const std::string& reason) {
    drop(scratch_offset_, scratch_.size(), reason, false, scratch_);
    in_fragment_ = false;
    scratch_.clear();
  }

  // LevelDB drops the rest of the block (and a record begun before it); the
  // fragments in it are read without trusting their checksums, to name seqs.
  void drop_rest(std::size_t p, std::size_t end, const std::string& reason, bool torn) {
    std::string candidate = in_fragment_ ? scratch_ : std::string();
    const std::size_t from = in_fragment_ ? scratch_offset_ : p;
    const std::size_t bytes = end - p + (in_fragment_ ? scratch_.size() : 0);
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    for (std::size_t q = p; end - q >= kHeaderSize;) {
      const char* header = data_.data() + q;
      const std::size_t length =
          static_cast<unsigned char>(header[4]) |
          (static_cast<std::size_t>(static_cast<unsigned char>(header[5])) << 8);
      const unsigned type = static_cast<unsigned char>(header[6]);
      const std::string_view piece =
          data_.substr(q + kHeaderSize, std::min(length, end - q - kHeaderSize));
      if (type == kFull || type == kFirst) {
        if (!candidate.empty()) name_batch(candidate, true, &first, &last);
        candidate.assign(piece);
      } else if (type == kMiddle || type == kLast) {
        candidate.append(piece);
      } else {
        break;
      }
      if (length > end - q - kHeaderSize) break;  // cut short: nothing follows
      q += kHeaderSize + length;
    }
    if (!candidate.empty()) name_batch(candidate, true, &first, &last);
    in_fragment_ = false;
    scratch_.clear();
    add(from, bytes, reason, torn, first, last);
  }

  void drop(std::size_t offset, std::size_t bytes, const std::string& reason, bool torn,
            std::string_view batch) {
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (!batch.empty()) name_batch(batch, true, &first, &last);
    add(offset, bytes, reason, torn, first, last);
  }

  void add(std::size_t offset, std::size_t bytes, const std::string& reason, bool torn,
           std::uint64_t first, std::uint64_t last) {
    dropped_region r;
    r.file = name_;
    r.offset = offset;
    r.bytes = bytes;
    r.reason = reason;
    r.torn_tail = torn;
    r.first_seq = first;
    r.last_seq = last;
    out_->dropped.push_back(std::move(r));
  }

  const std::string& name_;
  std::string_view data_;
  bool newest_;
  log_files_scan* out_;
  bool in_fragment_ = false;
  std::string scratch_;
  std::size_t scratch_offset_ = 0;
};

// LevelDB names its logs NNNNNN.log; the number orders them.
bool log_number(const std::string& name, std::uint64_t* n) {
  if (name.size() <= 4 || name.compare(name.size() - 4, 4, ".log") != 0) return false;
  const std::string digits = name.substr(0, name.size() - 4);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return false;
  *n = std::stoull(digits);
  return true;
}

}  // namespace

bool log_files_scan::corrupt() const {
  return std::any_of(dropped.begin(), dropped.end(),
                     [](const dropped_region& r) { return !r.torn_tail; });
}

std::uint64_t log_files_scan::highest_dropped_seq() const {
  std::uint64_t highest = 0;
  for (const auto& r : dropped) highest = std::max(highest, r.last_seq);
  return highest;
}

void scan_log_bytes(const std::string& name, const std::string& bytes, bool newest,
                    log_files_scan* out) {
  out->files.push_back(name);
  file_scanner(name, bytes, newest, out).run();
}

status scan_log_files(const std::string& dir, log_files_scan* out) {
  std::vector<std::pair<std::uint64_t, std::string>> logs;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return status::ok();  // no store yet
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::uint64_t n = 0;
    const std::string name = entry.path().filename().string();
    if (log_number(name, &n)) logs.emplace_back(n, name);
  }
  if (ec) return status::io_error("listing " + dir + ": " + ec.message());
  std::sort(logs.begin(), logs.end());
  std::vector<std::string> contents(logs.size());
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const std::string path = dir + "/" + logs[i].second;
    std::ifstream in(path, std::ios::binary);
    if (!in.is_open()) return status::io_error("reading " + path + ": " + std::strerror(errno));
    std::ostringstream bytes;
    if (in.peek() != std::ifstream::traits_type::eof()) bytes << in.rdbuf();
    if (in.bad()) return status::io_error("reading " + path);
    contents[i] = std::move(bytes).str();
  }
  // A cut-short end is a torn tail in the last file that holds any intact
  // batch too: a reopen that failed half way (a full disk) leaves newer,
  // empty logs after the one its failed write tore.
  std::size_t last_written = logs.empty() ? 0 : logs.size() - 1;
  while (last_written > 0) {
    log_files_scan probe;
    scan_log_bytes(logs[last_written].second, contents[last_written], true, &probe);
    if (probe.batches > 0) break;
    --last_written;
  }
  for (std::size_t i = 0; i < logs.size(); ++i) {
    scan_log_bytes(logs[i].second, contents[i], i >= last_written, out);
  }
  return status::ok();
}

std::string describe(const dropped_region& r) {
  std::string text = r.file + " offset " + std::to_string(r.offset) + ": " + r.reason + ", " +
                     std::to_string(r.bytes) + " bytes dropped";
  if (r.first_seq == 0) return text + " (no seq readable in them)";
  if (r.first_seq == r.last_seq) return text + " (seq " + std::to_string(r.first_seq) + ")";
  return text + " (seqs " + std::to_string(r.first_seq) + "-" + std::to_string(r.last_seq) + ")";
}

std::vector<std::string> leveldb_recovery_notes(const std::string& dir, std::size_t max) {
  std::vector<std::string> notes;
  std::ifstream in(dir + "/LOG");
  std::string line;
  while (notes.size() < max && std::getline(in, line)) {
    if (line.find("dropping ") != std::string::npos ||
        line.find("Corruption") != std::string::npos) {
      notes.push_back(line);
    }
  }
  return notes;
}

}  // namespace linkly
