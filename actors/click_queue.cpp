#include "actors/click_queue.hpp"

#include "actors/exception_text.hpp"
#include "actors/journal_errors.hpp"
#include "actors/restart_budget.hpp"
#include "schemas/clock.hpp"
#include "storage/backoff.hpp"
#include "storage/record_format.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <deque>
#include <unordered_set>

namespace linkly {

namespace {

using click_writer_actor =
    caf::typed_actor<caf::replies_to<write_atom, click_list, std::uint64_t>::with<append_result>,
                     caf::replies_to<park_atom, click_batch>::with<std::uint64_t>>;

// A writer: one detached thread doing the blocking appends and dead-letter
// writes, so none of them runs on a scheduler thread.
click_writer_actor::behavior_type click_writer(click_writer_actor::pointer self, event_sink* sink,
                                               dead_letter_store* dead_letters,
                                               std::shared_ptr<click_metrics> metrics,
                                               std::shared_ptr<click_spool> spool) {
  // Runs on the writer's own thread: below the io threads, as no redirect
  // waits for a queued click's write; raised with the click path's threads
  // while the queue fills (update_writer_level).
  become_background_thread("click-writer", &click_path_threads());
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("click writer failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  // Each click's seq goes into its spool record before the write, so a kill
  // after the write cannot make recovery write it again.
  before_write_hook mark_spool;
  if (spool) {
    mark_spool = [spool](const std::vector<envelope>& clicks, std::uint64_t first_seq) {
      spool->mark(clicks, first_seq);
    };
  }
  return {
      // The queue keeps `clicks` for a retry: they are read here, not copied.
      [=](write_atom, const click_list& clicks,
          std::uint64_t dead_letter_id) -> caf::result<append_result> {
        append_result result;
        auto began = std::chrono::steady_clock::now();
        status st = sink->append(*clicks, &result, spool ? &mark_spool : nullptr);
        metrics->batch_write.observe(std::chrono::steady_clock::now() - began);
        if (!st) {
          return make_error(journal_errc::write_failed, st.to_string());
        }
        if (spool) spool->done(*clicks);
        if (dead_letter_id != 0) {
          if (status erased = dead_letters->erase(dead_letter_id);
              !erased && !erased.is_not_found()) {
            spdlog::error("redriven dead letter {} written but not erased: {}", dead_letter_id,
                          erased.to_string());
          }
        }
        return result;
      },
      [=](park_atom, click_batch& batch) -> caf::result<std::uint64_t> {
        if (batch.dead_letter_id != 0) return batch.dead_letter_id;  // still parked
        dead_letter entry;
        entry.queue = kClickQueue;
        entry.payload = encode_batch(*batch.clicks);
        entry.error = batch.last_error;
        entry.attempts = batch.attempts;
        entry.failed_at_ms = now_utc_ms();
        if (status st = dead_letters->put(&entry); !st) {
          // Not even parked: the spool keeps them for the next start.
          return make_error(journal_errc::write_failed, st.to_string());
        }
        // A kill between the put and this mark parks them and writes them
        // at recovery too: a duplicate, never a loss.
        if (spool) spool->finish_unlogged(*batch.clicks);
        return entry.id;
      },
  };
}

struct writer_slot {
  click_writer_actor handle;
  bool busy = false;
  bool parking = false;          // what it is busy with: parking, else writing
  click_batch in_flight;         // what it holds (shared), retried if it crashes
  std::uint64_t generation = 0;  // bumped per incarnation: stale answers are ignored
};

struct click_queue_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  click_queue_state() = default;

  click_queue_options options;
  event_sink* sink = nullptr;
  dead_letter_store* dead_letters = nullptr;
  std::shared_ptr<click_metrics> metrics;
  std::function<void(const std::string&)> on_fatal;
  std::shared_ptr<click_spool> spool;      // null: clicks are not spooled
  std::shared_ptr<payload_pool> payloads;  // null: payloads are freed

  std::vector<envelope> pending;  // not yet sealed into a batch
  bool tick_armed = false;
  std::deque<click_batch> ready;  // sealed, waiting for a writer
  std::vector<writer_slot> writers;
  restart_budget writer_restarts{0, std::chrono::milliseconds(1)};
  std::size_t held = 0;        // every click accepted and not yet written or parked
  std::size_t held_bytes = 0;  // their click_bytes()
  std::unordered_set<std::uint64_t> redriving;  // dead letters being written again
  std::vector<caf::typed_response_promise<std::uint64_t>> drains;
  static inline const char* name = "click_queue";
};

using queue_pointer = click_queue_actor::stateful_pointer<click_queue_state>;

void dispatch(queue_pointer self);

// The click writers run in the background until the queue holds 1/8 of its
// capacity in clicks or bytes (12,500 clicks by default: 0.15 s of clicks at
// 80,000 redirects/s, well before anything is shed), then at the io threads'
// level until it is back under 1/64 of both (about three batches): the gap
// keeps them from flipping on every batch.
constexpr std::size_t kRaiseWritersAtShare = 8;
constexpr std::size_t kLowerWritersAtShare = 64;

void update_writer_level(queue_pointer self) {
  auto& st = self->state;
  const bool raised = st.metrics->writers_raised.load(std::memory_order_relaxed);
  const auto held_share = [&](std::size_t share) {
    return std::max(st.held * share / std::max<std::size_t>(st.options.capacity, 1),
                    st.held_bytes * share / std::max<std::size_t>(st.options.capacity_bytes, 1));
  };
  if (!raised && held_share(kRaiseWritersAtShare) >= 1) {
    click_path_threads().raise(true);
    st.metrics->writers_raised.store(true, std::memory_order_relaxed);
    st.metrics->writer_raises.fetch_add(1, std::memory_order_relaxed);
  } else if (raised && held_share(kLowerWritersAtShare) < 1) {
    click_path_threads().raise(false);
    st.metrics->writers_raised.store(false, std::memory_order_relaxed);
  }
}

// What follows the clicks held: the depth gauges and the writers' level.
void held_changed(queue_pointer self) {
  auto& st = self->state;
  st.metrics->depth.store(st.held, std::memory_order_relaxed);
  st.metrics->depth_bytes.store(st.held_bytes, std::memory_order_relaxed);
  update_writer_level(self);
}

std::size_t batch_bytes(const std::vector<envelope>& clicks) {
  std::size_t n = 0;
  for (const envelope& c : clicks) n += click_bytes(c);
  return n;
}

void release(queue_pointer self, std::size_t clicks, std::size_t bytes) {
  auto& st = self->state;
  st.held -= clicks;
  st.held_bytes -= std::min(bytes, st.held_bytes);
  held_changed(self);
  if (st.held == 0) {
    for (auto& p : st.drains) p.deliver(st.metrics->written.load());
    st.drains.clear();
  }
}

// The clicks of a batch, moved in: from here on shared, never copied. Their
// payload buffers go back to `payloads` with the last hold on them, on
// whichever thread that is.
click_batch make_batch(std::vector<envelope> clicks,
                       const std::shared_ptr<payload_pool>& payloads) {
  click_batch batch;
  batch.bytes = batch_bytes(clicks);
  auto owned = std::make_unique<std::vector<envelope>>(std::move(clicks));
  if (payloads) {
    batch.clicks = click_list(owned.release(), [payloads](std::vector<envelope>* done) {
      payloads->give(*done);
      delete done;
    });
  } else {
    batch.clicks = std::move(owned);
  }
  return batch;
}

void seal(queue_pointer self) {
  auto& st = self->state;
  while (!st.pending.empty()) {
    std::vector<envelope> clicks;
    if (st.pending.size() <= st.options.max_batch) {
      clicks = std::move(st.pending);
      st.pending.clear();
      st.pending.reserve(st.options.max_batch);  // the next batch grows in place
    } else {
      auto end = st.pending.begin() + static_cast<std::ptrdiff_t>(st.options.max_batch);
      clicks.assign(std::make_move_iterator(st.pending.begin()), std::make_move_iterator(end));
      st.pending.erase(st.pending.begin(), end);
    }
    st.ready.push_back(make_batch(std::move(clicks), st.payloads));
  }
}

// The longest wait before a batch the dead-letter store could not take is
// written again: about the time a healed store takes to be noticed.
constexpr std::chrono::milliseconds kMaxParkRetryDelay{5000};

// backoff * 2^(attempts-1): the wait after a batch's `attempts`-th failure.
std::chrono::milliseconds retry_delay(const click_queue_options& options, std::uint32_t attempts) {
  return backoff_delay(options.backoff, attempts);
}

void on_failed_attempt(queue_pointer self, std::size_t slot, click_batch batch, std::string error);
void park(queue_pointer self, std::size_t slot, click_batch batch);

void start_writer(queue_pointer self, std::size_t i) {
  auto& st = self->state;
  // Linked: writers stop with the queue. Monitored: a crash is noticed even
  // if the request in flight is never answered.
  st.writers[i].handle = self->spawn<caf::detached + caf::linked>(
      click_writer, st.sink, st.dead_letters, st.metrics, st.spool);
  self->monitor(st.writers[i].handle);
  ++st.writers[i].generation;
}

// A writer died: replace it and retry what it held.
void on_writer_down(queue_pointer self, std::size_t i, const caf::error& reason) {
  auto& st = self->state;
  st.metrics->writer_restarts.fetch_add(1, std::memory_order_relaxed);
  if (!st.writer_restarts.spend()) {
    auto reason = "click writers crashed " + std::to_string(st.writer_restarts.spent()) +
                  " times within " + std::to_string(st.options.writer_restart_window.count()) +
                  " ms; giving up";
    spdlog::critical("click queue: {}", reason);
    if (st.on_fatal) st.on_fatal(reason);
  }
  start_writer(self, i);
  writer_slot& w = st.writers[i];
  if (!w.busy) return;
  w.busy = false;
  click_batch batch = std::move(w.in_flight);
  if (w.parking) return park(self, i, std::move(batch));  // park it again, attempts unchanged
  on_failed_attempt(self, i, std::move(batch),
                    "click writer crashed: " + self->system().render(reason));
}

// A batch's attempt failed: retry it after its backoff, or park it.
void on_failed_attempt(queue_pointer self, std::size_t slot, click_batch batch, std::string error) {
  auto& st = self->state;
  batch.last_error = std::move(error);
  if (batch.attempts < st.options.max_retries) {
    st.metrics->retries.fetch_add(1, std::memory_order_relaxed);
    self->delayed_send(self, retry_delay(st.options, batch.attempts), retry_atom::value,
                       std::move(batch));
    return;
  }
  park(self, slot, std::move(batch));
}

// Out of attempts: the dead-letter store, through the writer that failed.
void park(queue_pointer self, std::size_t slot, click_batch batch) {
  auto& st = self->state;
  writer_slot& w = st.writers[slot];
  w.busy = true;
  w.parking = true;
  w.in_flight = batch;  // a pointer to the same clicks
  const std::uint64_t gen = w.generation;
  const std::size_t n = batch.size();
  const std::size_t bytes = batch.bytes;
  const std::uint64_t redrive_of = batch.dead_letter_id;
  spdlog::warn("click queue: parking a batch of {} clicks after {} attempts: {}", n, batch.attempts,
               batch.last_error);
  self->request(w.handle, caf::infinite, park_atom::value, batch)
      .then(
          [self, slot, n, bytes, gen, redrive_of](std::uint64_t) {
            if (self->state.writers[slot].generation != gen) return;
            self->state.writers[slot].in_flight = {};
            // A failed redrive stays where it was: parked and counted once.
            if (redrive_of == 0) {
              self->state.metrics->dead_lettered.fetch_add(n, std::memory_order_relaxed);
            }
            self->state.redriving.erase(redrive_of);
            self->state.writers[slot].busy = false;
            release(self, n, bytes);
            dispatch(self);
          },
          [self, slot, gen, batch](caf::error& err) mutable {
            auto& st = self->state;
            if (st.writers[slot].generation != gen) return;
            if (err.category() != kJournalErrorCategory) return;  // on_writer_down re-parks
            // The store heals itself (and leaves nothing of the failed put):
            // keep the clicks, held against the capacity, and try the log
            // again after the last backoff, then the store.
            // The stores heal within seconds of the cause going away, so the
            // wait stops growing here: attempts past max_retries would
            // otherwise double it for every failed park, to days.
            const auto delay = std::min<std::chrono::milliseconds>(
                retry_delay(st.options, static_cast<std::uint32_t>(std::min<std::size_t>(
                                            batch.attempts, st.options.max_retries))),
                kMaxParkRetryDelay);
            spdlog::error("click queue: parking {} clicks failed ({}); writing them again in {} ms",
                          batch.size(), self->system().render(err), delay.count());
            st.writers[slot].busy = false;
            st.writers[slot].in_flight = {};
            self->delayed_send(self, delay, retry_atom::value, std::move(batch));
            dispatch(self);
          });
}

void write(queue_pointer self, std::size_t slot, click_batch batch) {
  auto& st = self->state;
  writer_slot& w = st.writers[slot];
  ++batch.attempts;
  w.busy = true;
  w.parking = false;
  w.in_flight = batch;  // the queue's hold on the clicks for a retry: a pointer, no copy
  const std::uint64_t gen = w.generation;
  self->request(w.handle, caf::infinite, write_atom::value, batch.clicks, batch.dead_letter_id)
      .then(
          [self, slot, gen, n = batch.size(), bytes = batch.bytes,
           redrive_of = batch.dead_letter_id](append_result&) {
            auto& st = self->state;
            if (st.writers[slot].generation != gen) return;
            st.redriving.erase(redrive_of);
            st.metrics->written.fetch_add(n, std::memory_order_relaxed);
            st.metrics->batches.fetch_add(1, std::memory_order_relaxed);
            st.writers[slot].busy = false;
            st.writers[slot].in_flight = {};  // its payloads go back to the pool now
            release(self, n, bytes);
            dispatch(self);
          },
          [self, slot, gen, batch](caf::error& err) mutable {
            auto& st = self->state;
            if (st.writers[slot].generation != gen) return;
            // Anything but the writer's own answer means it died: the down
            // handler retries the batch once the writer is replaced.
            if (err.category() != kJournalErrorCategory) return;
            st.writers[slot].busy = false;
            st.writers[slot].in_flight = {};
            on_failed_attempt(self, slot, std::move(batch), self->system().render(err));
            dispatch(self);
          });
}

void dispatch(queue_pointer self) {
  auto& st = self->state;
  for (std::size_t i = 0; i < st.writers.size() && !st.ready.empty(); ++i) {
    if (st.writers[i].busy) continue;
    click_batch batch = std::move(st.ready.front());
    st.ready.pop_front();
    write(self, i, std::move(batch));
  }
}

click_queue_actor::behavior_type click_queue(queue_pointer self, click_queue_options options,
                                             event_sink* sink, dead_letter_store* dead_letters,
                                             std::shared_ptr<click_metrics> metrics,
                                             std::function<void(const std::string&)> on_fatal,
                                             std::shared_ptr<click_spool> spool,
                                             std::shared_ptr<payload_pool> payloads) {
  auto& st = self->state;
  st.spool = std::move(spool);
  st.payloads = std::move(payloads);
  st.options = options;
  st.sink = sink;
  st.dead_letters = dead_letters;
  st.metrics = std::move(metrics);
  st.on_fatal = std::move(on_fatal);
  st.writer_restarts = restart_budget(options.max_writer_restarts, options.writer_restart_window);
  st.writers.resize(std::max<std::size_t>(options.concurrency, 1));
  for (std::size_t i = 0; i < st.writers.size(); ++i) start_writer(self, i);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& st = self->state;
    for (std::size_t i = 0; i < st.writers.size(); ++i) {
      if (st.writers[i].handle.address() == dm.source) return on_writer_down(self, i, dm.reason);
    }
  });
  // A linked writer that fails is replaced by the down handler; only a
  // shutdown stops the queue.
  self->set_exit_handler([self](caf::exit_msg& msg) {
    if (msg.reason == caf::exit_reason::user_shutdown || msg.reason == caf::exit_reason::kill) {
      self->quit(msg.reason);
    }
  });
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("click queue failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [self](enqueue_atom, std::vector<envelope>& clicks) {
        auto& st = self->state;
        // Taken in order while both bounds hold; the rest is shed.
        std::size_t taken = 0;
        for (; taken < clicks.size(); ++taken) {
          const std::size_t bytes = click_bytes(clicks[taken]);
          const std::size_t room_bytes =
              st.options.capacity_bytes - std::min(st.held_bytes, st.options.capacity_bytes);
          if (st.held >= st.options.capacity || bytes > room_bytes) break;
          st.held += 1;
          st.held_bytes += bytes;
          st.pending.push_back(std::move(clicks[taken]));
        }
        if (taken < clicks.size()) {
          st.metrics->shed.fetch_add(clicks.size() - taken, std::memory_order_relaxed);
          // Shed for good: recovery must not write them either. Memory
          // stores only, no blocking call.
          if (st.spool) st.spool->finish_unlogged(clicks.data() + taken, clicks.size() - taken);
        }
        st.metrics->enqueued.fetch_add(taken, std::memory_order_relaxed);
        held_changed(self);
        if (st.pending.size() >= st.options.max_batch) {
          seal(self);
          dispatch(self);
        } else if (!st.pending.empty() && !st.tick_armed) {
          st.tick_armed = true;
          self->delayed_send(self, st.options.max_wait, tick_atom::value);
        }
      },
      [self](redrive_atom, std::uint64_t dead_letter_id, std::vector<envelope>& clicks) {
        auto& st = self->state;
        // A second redrive of the same dead letter while the first is under
        // way would write its clicks twice.
        if (!st.redriving.insert(dead_letter_id).second) return;
        // A redrive is an operator's request: counted, never shed.
        st.held += clicks.size();
        click_batch batch = make_batch(std::move(clicks), st.payloads);
        batch.dead_letter_id = dead_letter_id;
        st.held_bytes += batch.bytes;
        held_changed(self);
        st.ready.push_back(std::move(batch));
        dispatch(self);
      },
      [self](drain_atom) -> caf::result<std::uint64_t> {
        auto& st = self->state;
        seal(self);
        dispatch(self);
        if (st.held == 0) return st.metrics->written.load();
        auto promise = self->make_response_promise<std::uint64_t>();
        st.drains.push_back(promise);
        return promise;
      },
      [self](tick_atom) {
        self->state.tick_armed = false;
        seal(self);
        dispatch(self);
      },
      [self](retry_atom, click_batch& batch) {
        self->state.ready.push_back(std::move(batch));
        dispatch(self);
      },
  };
}

}  // namespace

std::size_t click_bytes(const envelope& click) {
  return sizeof(envelope) + click.key.size() + click.payload.size();
}

click_queue_actor spawn_click_queue(caf::actor_system& sys, const click_queue_options& options,
                                    event_sink* sink, dead_letter_store* dead_letters,
                                    std::shared_ptr<click_metrics> metrics,
                                    std::function<void(const std::string&)> on_fatal,
                                    std::shared_ptr<click_spool> spool,
                                    std::shared_ptr<payload_pool> payloads) {
  return sys.spawn(click_queue, options, sink, dead_letters, std::move(metrics),
                   std::move(on_fatal), std::move(spool), std::move(payloads));
}

}  // namespace linkly
