// A links or clicks log whose LevelDB holds whatever the input says
// (store_input.hpp), records and batch records alike: opening it and
// reading every record must give records or corruption, never a crash;
// what reads back decodes as events or not.

#include "schemas/click_events.hpp"
#include "schemas/link_events.hpp"
#include "storage/event_log.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/store_input.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace {
// Records read per input at most: inputs hold few, this only bounds a
// store whose head a damaged key puts far away.
constexpr std::uint64_t kMaxRead = 1000;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto pairs = linkly::fuzz::read_pairs({reinterpret_cast<const char*>(data), size});
  auto env = linkly::fuzz::mem_env();
  if (!linkly::fuzz::put_raw(env.get(), "/log", pairs)) return 0;

  linkly::log_options options;
  options.env = env.get();
  options.sync = false;
  options.create_if_missing = false;
  options.batch_records = (size & 1) != 0;  // the clicks log's appends, for the append below
  std::unique_ptr<linkly::event_log> log;
  if (!linkly::event_log::open("/log", options, &log)) return 0;

  std::vector<linkly::envelope> read;
  if (log->read(1, linkly::event_log::kNoLimit, kMaxRead, &read)) {
    for (std::size_t i = 1; i < read.size(); ++i) FUZZ_CHECK(read[i - 1].seq < read[i].seq);
  }
  for (const auto& e : read) {
    linkly::link_event event;
    (void)linkly::decode_link_event(e, &event);
    linkly::click_recorded click;
    (void)linkly::decode_click(e, &click);
  }
  for (const auto& p : pairs) {
    // A record's seq, or a batch record's first..last (a few of them).
    std::uint64_t first = 0;
    std::uint64_t last = 0;
    if (!linkly::decode_record_range(p.key, &first, &last)) continue;
    for (std::uint64_t seq = first; seq <= last && seq - first < 8; ++seq) {
      linkly::envelope e;
      if (log->get(seq, &e)) FUZZ_CHECK(e.seq == seq);
    }
  }
  linkly::envelope head;
  (void)log->get(log->highest_seq(), &head);
  // Appending after whatever was there must not crash either.
  std::vector<linkly::envelope> batch{
      linkly::make_envelope(linkly::link_created{"fz", "https://a.example/"}, 1),
      linkly::make_envelope(linkly::link_created{"fy", "https://b.example/"}, 2)};
  linkly::append_result result;
  (void)log->append(batch, &result);
  return 0;
}
