// Writes the binary seed corpora of the fuzz targets from linkly's own
// encoders and stores, so the seeds are real records, not hand-made bytes:
//
//   ./build/tests/fuzz/fuzz_seeds tests/fuzz/corpus
//
// (record, event_payload, event_log, dead_letters, projection_store; the
// text targets' seeds are written by hand.) Deterministic: same build, same
// bytes.

#include "actors/analytics_projection.hpp"
#include "actors/cache_projection.hpp"
#include "actors/projection_runner.hpp"
#include "actors/projection_store.hpp"
#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "schemas/visits_deleted.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"
#include "tests/fuzz/snapshot_input.hpp"
#include "tests/fuzz/store_input.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using namespace linkly;

namespace {

fs::path g_root;

void write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(g_root / target);
  std::ofstream(g_root / target / name, std::ios::binary) << bytes;
}

void check(const status& st, const char* what) {
  if (!st) {
    std::fprintf(stderr, "%s: %s\n", what, st.to_string().c_str());
    std::exit(1);
  }
}

click_recorded sample_click(bool coordinates) {
  click_recorded c;
  c.code = "abc123";
  c.clicked_at_ms = 1'764'547'200'000;  // 2025-12-01
  c.link_version = 2;
  c.url = "https://example.com/a?b=c";
  c.country = "DE";
  if (coordinates) {
    c.latitude = 52.52;
    c.longitude = 13.405;
  }
  c.referrer = "https://news.example.org/item?id=1";
  c.user_agent = "Mozilla/5.0 (X11; Linux x86_64)";
  c.client_address = "203.0.113.0";
  return c;
}

// The links and clicks of a small history, sequenced from 1.
std::vector<envelope> sample_events() {
  std::vector<envelope> events = {
      make_envelope(link_created{"abc123", "https://example.com/a?b=c"}, 1'764'547'200'000),
      make_envelope(link_updated{"abc123", "https://example.com/b"}, 1'764'547'260'000),
      make_envelope(link_created{"x_Y-9", "http://[2001:db8::1]:8080/p%20q"}, 1'764'633'600'000),
      make_envelope(link_deleted{"x_Y-9"}, 1'764'633'660'000),
      make_click_envelope(sample_click(true)),
      make_click_envelope(sample_click(false)),
  };
  for (std::size_t i = 0; i < events.size(); ++i) events[i].seq = i + 1;
  return events;
}

std::string pairs_of(leveldb::Env* env, const std::string& dir, std::uint8_t flags) {
  std::string out;
  for (const auto& p : fuzz::dump_raw(env, dir)) fuzz::write_pair(&out, p.key, p.value, flags);
  return out;
}

void record_seeds(const std::vector<envelope>& events) {
  int i = 0;
  for (const auto& e : events) {
    const std::string value = encode_record_value(e);
    write("record", "value-" + std::to_string(++i), std::string(1, '\0') + value);
    write("record", "value-fixcrc-" + std::to_string(i), std::string(1, '\1') + value);
  }
  write("record", "batch", std::string(1, '\3') + encode_batch(events));
  write("record", "batch-empty", std::string(1, '\2') + encode_batch({}));
}

void payload_seeds(const std::vector<envelope>& events) {
  int i = 0;
  for (const auto& e : events) {
    const char mode = e.type == event_type::link_created   ? 0
                      : e.type == event_type::link_updated ? 1
                      : e.type == event_type::link_deleted ? 2
                                                           : 3;
    write("event_payload", "payload-" + std::to_string(++i), std::string(1, mode) + e.payload);
    write("event_payload", "parked-" + std::to_string(i),
          std::string(1, char(8 | 16)) + encode_parked_event(e));
  }
  // An unknown type, given as the next two bytes (mode 4).
  write("event_payload", "unknown-type", std::string("\x04\x07\x00", 3) + events[0].payload);
  // A link's VisitsDeleted (mode 5, keyed by bit 5) and the orphan one (mode 5).
  visits_deleted link;
  link.code = "code";
  link.incarnation = 3;
  link.unnamed_too = true;
  write("event_payload", "visits-deleted",
        std::string(1, char(5 | 32)) + make_visits_deleted_envelope(link).payload);
  visits_deleted orphans;
  orphans.orphans = true;
  write("event_payload", "visits-deleted-orphans",
        std::string(1, char(5)) + make_visits_deleted_envelope(orphans).payload);
}

void event_log_seeds(const std::vector<envelope>& events) {
  for (bool batch_records : {false, true}) {
    auto env = fuzz::mem_env();
    log_options options;
    options.env = env.get();
    options.sync = false;
    options.batch_records = batch_records;
    {
      std::unique_ptr<event_log> log;
      check(event_log::open("/log", options, &log), "open log");
      std::vector<envelope> batch = events;
      append_result result;
      check(log->append(batch, &result), "append");
    }
    if (batch_records) {
      // One batch record: its value starts with a size, not a checksum.
      write("event_log", "batch-record", pairs_of(env.get(), "/log", 0));
      continue;
    }
    write("event_log", "links-and-clicks", pairs_of(env.get(), "/log", fuzz::kFixCrc));
    write("event_log", "links-and-clicks-raw", pairs_of(env.get(), "/log", 0));
  }
}

void dead_letter_seeds(const std::vector<envelope>& events) {
  auto env = fuzz::mem_env();
  dead_letter_options options;
  options.env = env.get();
  options.sync = false;
  {
    std::unique_ptr<dead_letter_store> store;
    check(dead_letter_store::open("/dlq", options, &store), "open dlq");
    dead_letter batch;
    batch.queue = "clicks";
    batch.payload = encode_batch({events[4], events[5]});
    batch.error = "io error: disk full";
    batch.attempts = 3;
    batch.failed_at_ms = 1'764'547'300'000;
    check(store->put(&batch), "put batch");
    dead_letter parked;
    parked.queue = "projection:analytics";
    parked.payload = encode_parked_event(events[0]);
    parked.error = "corruption: counter day/2025-12-01 is not 8 bytes";
    parked.attempts = 1;
    check(store->put(&parked), "put parked");
    check(store->erase(batch.id), "erase");  // a gap in the ids, and the next-id record
    check(store->put(&batch), "put again");
  }
  write("dead_letters", "batch-and-parked", pairs_of(env.get(), "/dlq", fuzz::kFixCrc));
  write("dead_letters", "batch-and-parked-raw", pairs_of(env.get(), "/dlq", 0));
}

// A snapshot of each projection after the sample history, as a store writes
// it: as is, and with the checksum recomputed (snapshot_input.hpp).
void projection_seeds(const std::vector<envelope>& events) {
  auto env = fuzz::mem_env();
  for (const char* name : {"cache", "analytics"}) {
    std::unique_ptr<projection> proj;
    if (std::string_view(name) == "cache") {
      proj = std::make_unique<cache_projection>();
    } else {
      proj = std::make_unique<analytics_projection>();
    }
    const std::vector<std::string_view> logs = proj->logs();
    const std::string dir = std::string("/") + name;
    projection_store_options options;
    options.env = env.get();
    std::unique_ptr<projection_store> store;
    check(projection_store::open(dir, options, std::move(proj), &store), "open projection store");
    for (const auto& e : events) {
      const std::string_view log = e.type == event_type::click_recorded ? kClicksLog : kLinksLog;
      if (std::find(logs.begin(), logs.end(), log) == logs.end()) continue;
      check(store->apply(log, e), "apply");
    }
    check(store->save(), "save");
    std::string file;
    if (!leveldb::ReadFileToString(env.get(), dir + "/snapshot", &file).ok()) {
      std::fprintf(stderr, "reading the %s snapshot failed\n", name);
      std::exit(1);
    }
    write("projection_store", std::string(name) + "-snapshot", fuzz::snapshot_input(file, 0));
    write("projection_store", std::string(name) + "-snapshot-fixcrc",
          fuzz::snapshot_input(file, fuzz::kFixSnapshotCrc));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT (e.g. tests/fuzz/corpus)\n", argv[0]);
    return 2;
  }
  g_root = argv[1];
  const auto events = sample_events();
  record_seeds(events);
  payload_seeds(events);
  event_log_seeds(events);
  dead_letter_seeds(events);
  projection_seeds(events);
  std::printf("seeds written under %s\n", argv[1]);
  return 0;
}
