// click_spool::recover(): the clicks a killed process left in its spool.

#include "storage/click_spool.hpp"

#include "storage/click_spool_layout.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace linkly {

namespace {

using namespace spool_layout;

bool same_click(const envelope& a, const envelope& b) {
  return a.type == b.type && a.schema_version == b.schema_version &&
         a.timestamp_ms == b.timestamp_ms && a.key == b.key && a.payload == b.payload;
}

// Whether the log holds `click` at `mark`: only then is it known written.
// `head` is the log's head before recovery appended anything: a mark above it
// names a write the kill interrupted, whose seq recovery's own appends reuse.
bool logged_at(const event_log& log, std::uint64_t head, std::uint64_t mark,
               const envelope& click) {
  if (mark == 0 || mark > head) return false;
  envelope stored;
  return log.get(mark, &stored) && same_click(stored, click);
}

// Shorter than a header, or a header of zeros (a spare being made).
bool never_used(const click_spool::segment& seg) {
  if (seg.base == nullptr) return true;
  for (std::size_t i = 0; i < kHeaderBytes; ++i) {
    if (seg.base[i] != 0) return false;
  }
  return true;
}

}  // namespace

status click_spool::recover(event_log& log, spool_recovery* out) {
  *out = spool_recovery{};
  std::vector<std::shared_ptr<segment>> segments;
  if (status st = load_segments(&segments); !st) return st;
  out->segments = segments.size();

  const before_write_hook hook = [this](const std::vector<envelope>& b, std::uint64_t first_seq) {
    mark(b, first_seq);
  };
  std::vector<envelope> batch;
  auto flush = [&]() -> status {
    if (batch.empty()) return status::ok();
    append_result r;
    // Marked like any batch: a kill during recovery does not write them twice.
    if (status st = log.append(batch, &r, &hook); !st) return st;
    out->pending += batch.size();
    done(batch);
    batch.clear();
    return status::ok();
  };

  // Every record is classified before anything is appended, and a pending
  // record's stale mark is cleared first: a kill during recovery must not
  // find a click recovery wrote at the seq an unwritten twin was marked with.
  const std::uint64_t head = log.highest_seq();
  std::vector<envelope> pending;
  std::vector<bool> damaged(segments.size(), false);
  for (std::size_t i = 0; i < segments.size(); ++i) {
    segment& seg = *segments[i];
    // A segment is given to a writer only once its header is written: a
    // file still empty or without a header was being made at the kill.
    if (never_used(seg)) continue;
    if (std::memcmp(seg.base, kMagic, sizeof kMagic) != 0) {
      ++out->damaged;
      damaged[i] = true;
      continue;
    }
    std::size_t offset = kHeaderBytes;
    while (offset + kRecordHeaderBytes <= seg.size) {
      char* record = seg.base + offset;
      std::uint32_t length = 0;
      std::memcpy(&length, record, sizeof length);
      if (length == 0) break;  // the end: the rest was never written
      if (length > seg.size - offset - kRecordHeaderBytes) {
        ++out->damaged;  // the framing is lost: nothing after it can be read
        damaged[i] = true;
        break;
      }
      const std::size_t next = offset + kRecordHeaderBytes + padded(length);
      envelope click;
      if (!decode_record_value(0, {record + kRecordHeaderBytes, length}, &click)) {
        ++out->damaged;
        damaged[i] = true;
        offset = next;
        continue;
      }
      std::uint64_t mark = 0;
      std::memcpy(&mark, record + 8, sizeof mark);
      if (mark == kDoneMark) {
        ++out->finished;
      } else if (logged_at(log, head, mark, click)) {
        ++out->already_logged;
      } else {
        // Not done yet (the released flag may still be set from the
        // previous process: clear it so done() counts this record).
        std::memset(record + 4, 0, 4);
        std::memset(record + 8, 0, sizeof mark);
        click.spool_slot = slot_of(seg.id, offset);
        seg.refs.fetch_add(1, std::memory_order_relaxed);
        pending.push_back(std::move(click));
      }
      offset = next;
    }
  }
  for (auto& click : pending) {
    batch.push_back(std::move(click));
    if (batch.size() >= options_.recovery_batch) {
      if (status st = flush(); !st) return st;  // segments stay for the next start
    }
  }
  if (status st = flush(); !st) return st;

  for (std::size_t i = 0; i < segments.size(); ++i) {
    segment& seg = *segments[i];
    if (!damaged[i]) {
      release(segments[i], 1, /*now=*/true);  // recovery's reference, the last: deletes the file
      continue;
    }
    const std::string kept = seg.path + ".damaged";
    if (std::rename(seg.path.c_str(), kept.c_str()) != 0) {
      return status::io_error("renaming " + seg.path + ": " + std::strerror(errno));
    }
    out->kept.push_back(kept);
    std::lock_guard lock(mutex_);
    live_.erase(seg.id);
  }
  return status::ok();
}

}  // namespace linkly
