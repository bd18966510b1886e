// A dead-letter store whose LevelDB holds whatever the input says
// (store_input.hpp): opening, listing and getting entries give entries or
// corruption, never a crash; an entry's payload then goes through the
// decoders a redrive uses (a click batch, a projection's parked event).

#include "actors/projection_runner.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/record_format.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/store_input.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

namespace {
// Entries listed per input at most (inputs hold few).
constexpr std::size_t kMaxList = 100;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto pairs = linkly::fuzz::read_pairs({reinterpret_cast<const char*>(data), size});
  auto env = linkly::fuzz::mem_env();
  if (!linkly::fuzz::put_raw(env.get(), "/dlq", pairs)) return 0;

  linkly::dead_letter_options options;
  options.env = env.get();
  options.sync = false;
  options.create_if_missing = false;
  std::unique_ptr<linkly::dead_letter_store> store;
  if (!linkly::dead_letter_store::open("/dlq", options, &store)) return 0;

  std::vector<linkly::dead_letter> listed;
  (void)store->list(0, kMaxList, &listed);
  for (std::size_t i = 1; i < listed.size(); ++i) FUZZ_CHECK(listed[i - 1].id < listed[i].id);
  for (const auto& p : pairs) {
    std::uint64_t id = 0;
    if (!linkly::decode_record_key(p.key, &id)) continue;
    linkly::dead_letter entry;
    if (store->get(id, &entry)) FUZZ_CHECK(entry.id == id);
  }
  for (const auto& entry : listed) {
    std::vector<linkly::envelope> batch;
    (void)linkly::decode_batch(entry.payload, &batch);
    linkly::envelope parked;
    (void)linkly::decode_parked_event(entry.payload, &parked);
  }
  // A put after whatever was there gets a fresh id.
  linkly::dead_letter fresh;
  fresh.queue = "clicks";
  if (store->put(&fresh)) {
    for (const auto& entry : listed) FUZZ_CHECK(fresh.id > entry.id);
  }
  return 0;
}
