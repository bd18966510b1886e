#include "actors/projection_runner.hpp"

#include "actors/atoms.hpp"
#include "actors/event_bus.hpp"
#include "actors/exception_text.hpp"
#include "actors/projection_replay.hpp"
#include "schemas/clock.hpp"
#include "storage/backoff.hpp"
#include "storage/dead_letter_store.hpp"
#include "storage/event_log.hpp"
#include "storage/record_format.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <optional>
#include <set>

namespace linkly {

namespace {

// A store that keeps failing is retried at most this far apart: a freed disk
// is noticed within this long.
constexpr std::chrono::milliseconds kMaxStoreBackoff{5'000};
// Dead letters read at a time when looking for an event parked before.
constexpr std::size_t kParkedScanPage = 256;

using snapshot_atom = caf::atom_constant<caf::atom("snapshot")>;

struct runner_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  runner_state() = default;
  projection_runner_config config;
  std::vector<std::shared_ptr<event_bus::subscription>> wakeups;
  bool step_pending = false;  // a step_atom is in the mailbox or delayed
  std::size_t next_log = 0;   // round robin over the logs
  // The event being retried, and how many times it failed.
  std::uint64_t failing_seq = 0;
  std::string failing_log;
  std::size_t failures = 0;
  std::size_t store_failures = 0;  // consecutive
  std::size_t save_failures = 0;   // consecutive
  // When the oldest event not in a snapshot was applied; unset if none.
  std::optional<std::chrono::steady_clock::time_point> unsaved_since;
  bool save_pending = false;  // a snapshot_atom is delayed
  // The delayed snapshot_atom that counts: one a failure's backoff retry
  // replaced is stale, else each would retry at once and multiply.
  std::uint64_t save_timer = 0;
  // Dead letters redriven into the state but not yet erased (their snapshot
  // or their erase failed): a retried redrive must not apply them again.
  std::set<std::uint64_t> redriven;
  static inline const char* name = "projection";
};

using runner_pointer = caf::stateful_actor<runner_state>*;

void schedule(runner_pointer self) {
  if (self->state.step_pending) return;
  self->state.step_pending = true;
  self->send(self, step_atom::value);
}

void schedule_after(runner_pointer self, std::chrono::milliseconds delay) {
  self->state.step_pending = true;
  self->delayed_send(self, delay, step_atom::value);
}

std::string_view log_of(const envelope& env) {
  return is_clicks_log_event(env.type) ? kClicksLog : kLinksLog;
}

// The dead letter under which `env` of `log_name` is parked already, if any:
// a park whose outcome was unknown (a failed put may have reached the disk)
// or whose checkpoint commit failed, or a crash between the two.
status find_parked(const dead_letter_store& dlq, const std::string& queue,
                   std::string_view log_name, const envelope& env, std::uint64_t* id) {
  *id = 0;
  std::uint64_t after = 0;
  for (;;) {
    std::vector<dead_letter> page;
    status st = dlq.list(after, kParkedScanPage, &page);
    for (const dead_letter& entry : page) {
      envelope parked;
      if (entry.queue == queue && decode_parked_event(entry.payload, &parked) &&
          parked.seq == env.seq && log_of(parked) == log_name) {
        *id = entry.id;
        return status::ok();
      }
    }
    if (!st) return st;
    if (page.size() < kParkedScanPage) return status::ok();
    after = page.back().id;
  }
}

// Parks `env` as a dead letter, once, then moves the checkpoint past it. In
// that order: a crash in between leaves it parked and not skipped, and the
// next try finds it parked and only skips it.
status park(runner_state& st, std::string_view log_name, const envelope& env, const status& why) {
  projection_store& store = *st.config.store;
  if (st.config.dead_letters) {
    const std::string queue = dead_letter_queue_of(store.name());
    std::uint64_t id = 0;
    if (status found = find_parked(*st.config.dead_letters, queue, log_name, env, &id);
        found.error_code() == status::code::io_error) {
      return found;
    } else if (!found) {
      // A damaged dead letter hides what follows it: park rather than lose.
      spdlog::warn("{}: could not look for {} seq {} among the dead letters: {}", store.name(),
                   log_name, env.seq, found.to_string());
    }
    if (id != 0) {
      spdlog::info("{}: {} seq {} is parked already as dead letter {}", store.name(), log_name,
                   env.seq, id);
    } else {
      dead_letter entry;
      entry.queue = queue;
      entry.payload = encode_parked_event(env);
      entry.error =
          std::string(log_name) + " seq " + std::to_string(env.seq) + ": " + why.to_string();
      entry.attempts = static_cast<std::uint32_t>(st.failures);
      entry.failed_at_ms = now_utc_ms();
      if (status put = st.config.dead_letters->put(&entry); !put) return put;
      spdlog::error("{}: parked {} seq {} as dead letter {} after {} tries: {}", store.name(),
                    log_name, env.seq, entry.id, st.failures, why.to_string());
    }
  } else {
    spdlog::error("{}: skipped {} seq {} after {} tries (no dead-letter store): {}", store.name(),
                  log_name, env.seq, st.failures, why.to_string());
  }
  st.failing_seq = 0;
  st.failures = 0;
  store.skip(log_name, env.seq);
  return status::ok();
}

// A log read or a park failed: nothing is the event's fault. Waits, then the
// next step tries the same again.
void on_store_failure(runner_pointer self, const status& st) {
  auto& s = self->state;
  s.config.counters->store_errors.fetch_add(1, std::memory_order_relaxed);
  s.config.counters->set_store_error(st.to_string());
  ++s.store_failures;
  auto delay = backoff_delay(s.config.options.backoff, s.store_failures, kMaxStoreBackoff);
  // Once a backoff is at its longest, every retry is logged at most that often.
  spdlog::error("{}: {}; retrying in {} ms (failure {} in a row; nothing parked or skipped)",
                s.config.store->name(), st.to_string(), delay.count(), s.store_failures);
  schedule_after(self, delay);
}

void on_store_success(runner_state& s) {
  if (s.store_failures == 0) return;
  spdlog::info("{}: its stores work again after {} failures", s.config.store->name(),
               s.store_failures);
  s.store_failures = 0;
  if (s.save_failures == 0) s.config.counters->set_store_error({});
}

void save_after(runner_pointer self, std::chrono::milliseconds delay) {
  if (self->state.save_pending) return;
  self->state.save_pending = true;
  self->delayed_send(self, delay, snapshot_atom::value, ++self->state.save_timer);
}

// Writes a snapshot when enough events, or old enough ones, wait outside one.
void maybe_save(runner_pointer self, bool forced = false) {
  auto& s = self->state;
  projection_store& store = *s.config.store;
  const std::uint64_t unsaved = store.unsaved();
  if (unsaved == 0) return;
  // After a failed snapshot only its backoff retry tries again: every step
  // would otherwise encode the whole state and fail to write it once more.
  if (!forced && s.save_failures > 0 && s.save_pending) return;
  const auto now = std::chrono::steady_clock::now();
  if (!s.unsaved_since) s.unsaved_since = now;
  const auto waited = now - *s.unsaved_since;
  const auto& opts = s.config.options;
  if (!forced && unsaved < opts.snapshot_events && waited < opts.snapshot_interval) {
    save_after(self, std::chrono::duration_cast<std::chrono::milliseconds>(opts.snapshot_interval -
                                                                           waited) +
                         std::chrono::milliseconds(1));
    return;
  }
  if (status st = store.save(); !st) {
    s.config.counters->store_errors.fetch_add(1, std::memory_order_relaxed);
    s.config.counters->set_store_error(st.to_string());
    ++s.save_failures;
    auto delay = backoff_delay(opts.backoff, s.save_failures, kMaxStoreBackoff);
    spdlog::error("{}: {}; the state stays in memory, retrying in {} ms (failure {} in a row)",
                  store.name(), st.to_string(), delay.count(), s.save_failures);
    s.save_pending = false;
    save_after(self, delay);
    return;
  }
  if (s.save_failures > 0) {
    spdlog::info("{}: snapshots write again after {} failures", store.name(), s.save_failures);
    s.save_failures = 0;
    if (s.store_failures == 0) s.config.counters->set_store_error({});
  }
  s.unsaved_since.reset();
}

// One step: a bounded run of events from the next log that has something new.
void step(runner_pointer self) {
  auto& s = self->state;
  s.step_pending = false;
  // Re-arm the wake-ups before reading, so an append from now on wakes us.
  std::vector<std::shared_ptr<const envelope>> none;
  for (auto& w : s.wakeups) w->take(&none);
  projection_store& store = *s.config.store;
  const auto& logs = s.config.logs;
  for (std::size_t tried = 0; tried < logs.size(); ++tried) {
    const followed_log& fl = logs[s.next_log];
    s.next_log = (s.next_log + 1) % logs.size();
    step_result r;
    status st = apply_step(store, fl.name, *fl.log, kToHead, s.config.options.batch_events, &r);
    s.config.counters->applied.fetch_add(r.applied, std::memory_order_relaxed);
    maybe_save(self);
    if (!st) return on_store_failure(self, st);
    if (!r.event_error.is_ok()) {
      if (s.failing_seq != r.failed.seq || s.failing_log != fl.name) {
        s.failing_seq = r.failed.seq;
        s.failing_log = std::string(fl.name);
        s.failures = 0;
      }
      ++s.failures;
      if (s.failures >= s.config.options.max_retries) {
        // A park that failed is retried with the store's backoff, not reset
        // by the log read that came before it.
        if (status parked = park(s, fl.name, r.failed, r.event_error); !parked) {
          return on_store_failure(self, parked);
        }
        on_store_success(s);
        return schedule(self);
      }
      on_store_success(s);
      s.config.counters->retries.fetch_add(1, std::memory_order_relaxed);
      auto delay = backoff_delay(s.config.options.backoff, s.failures);
      spdlog::warn("{}: {} seq {} failed (try {} of {}), retrying in {} ms: {}", store.name(),
                   fl.name, r.failed.seq, s.failures, s.config.options.max_retries, delay.count(),
                   r.event_error.to_string());
      return schedule_after(self, delay);
    }
    on_store_success(s);
    if (r.applied > 0 || !r.at_end) {
      // More may be waiting: come back after whatever else is in the mailbox.
      return schedule(self);
    }
  }
}

void redrive(runner_pointer self, const dead_letter& entry) {
  auto& s = self->state;
  projection_store& store = *s.config.store;
  // A second redrive of the same entry, queued behind the first, finds it gone.
  dead_letter current;
  if (s.config.dead_letters->get(entry.id, &current).is_not_found()) return;
  envelope env;
  status st = decode_parked_event(entry.payload, &env);
  std::string_view log_name = log_of(env);
  if (st && s.redriven.count(entry.id) == 0) {
    st = store.apply_parked(log_name, env);
    if (st) s.redriven.insert(entry.id);
  }
  // Saved before the dead letter goes: a crash between keeps the event
  // somewhere (a projection that depends on order applies it once only).
  if (st) st = store.save();
  if (!st) {
    spdlog::error("{}: dead letter {} not redriven: {}", store.name(), entry.id, st.to_string());
    return;
  }
  s.unsaved_since.reset();
  if (status erased = s.config.dead_letters->erase(entry.id); !erased) {
    spdlog::error("{}: dead letter {} applied but not erased: {}", store.name(), entry.id,
                  erased.to_string());
    return;
  }
  s.redriven.erase(entry.id);
  spdlog::info("{}: redrove dead letter {} ({} seq {})", store.name(), entry.id, log_name, env.seq);
}

caf::behavior projection_runner(runner_pointer self, projection_runner_config config) {
  become_background_thread("proj-" + std::string(config.store->name()));
  auto& s = self->state;
  s.config = std::move(config);
  self->set_exception_handler([self](std::exception_ptr& e) -> caf::error {
    spdlog::error("{} projection failed: {}", self->state.config.store->name(),
                  describe_exception(e));
    return caf::sec::runtime_error;
  });
  // A clean stop leaves a snapshot of everything applied: the next start
  // replays nothing.
  self->attach_functor([store = s.config.store](const caf::error&) {
    if (status st = store->save(); !st) {
      spdlog::error("{}: no snapshot at stop: {}", store->name(), st.to_string());
    }
  });
  caf::actor me = caf::actor_cast<caf::actor>(self);
  for (const followed_log& fl : s.config.logs) {
    if (fl.bus == nullptr) continue;
    // The waker runs on an appending thread: a send, nothing more.
    s.wakeups.push_back(fl.bus->subscribe(0, [weak = caf::actor_cast<caf::weak_actor_ptr>(me)] {
      if (auto strong = caf::actor_cast<caf::actor>(weak)) {
        caf::anon_send(strong, tail_atom::value);
      }
    }));
  }
  schedule(self);
  return {
      [self](tail_atom) { schedule(self); },
      [self](step_atom) { step(self); },
      [self](snapshot_atom, std::uint64_t timer) {
        if (timer != self->state.save_timer) return;
        self->state.save_pending = false;
        maybe_save(self);
      },
      [self](redrive_atom, const dead_letter& entry) { redrive(self, entry); },
  };
}

}  // namespace

std::string dead_letter_queue_of(std::string_view projection_name) {
  return "projection." + std::string(projection_name);
}

std::string encode_parked_event(const envelope& env) {
  return encode_record_key(env.seq) + encode_record_value(env);
}

status decode_parked_event(std::string_view payload, envelope* out) {
  std::uint64_t seq = 0;
  if (payload.size() < kRecordKeySize ||
      !decode_record_key(payload.substr(0, kRecordKeySize), &seq)) {
    return status::corruption("not a parked event");
  }
  return decode_record_value(seq, payload.substr(kRecordKeySize), out);
}

caf::actor spawn_projection_runner(caf::actor_system& sys, projection_runner_config config) {
  return sys.spawn<caf::detached>(projection_runner, std::move(config));
}

}  // namespace linkly
