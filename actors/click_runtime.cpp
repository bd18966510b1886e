#include "actors/click_runtime.hpp"

#include "actors/exception_text.hpp"
#include "actors/reply_slot.hpp"
#include "storage/record_format.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace linkly {

namespace {

// Why a dead-letter call got no answer: its thread stopped first.
constexpr const char* kStoreUnavailable = "dead-letter store unavailable";

// A unit of blocking work for a detached thread. Local only.
using blocking_job = std::function<void()>;

// `thread` names the runner's own thread. It keeps the normal priority: a
// client waits for every job (an inline redirect for its write, an operator
// for the dead letters), and at SCHED_IDLE any busy process on the CPU
// starves it (inline max fell from ~3,300 to ~120 req/s: bench/results/tail.md).
caf::behavior job_runner(caf::event_based_actor* self, std::string name, std::string thread) {
  name_thread(thread);
  self->set_exception_handler([name](std::exception_ptr& e) -> caf::error {
    spdlog::error("{} failed: {}", name, describe_exception(e));
    return caf::sec::runtime_error;
  });
  // A job that throws is logged and dropped; the thread keeps serving.
  return {[name](blocking_job& job) {
    try {
      job();
    } catch (...) {
      spdlog::error("{}: a job failed: {}", name, describe_exception(std::current_exception()));
    }
  }};
}

template <class T>
std::shared_ptr<reply_slot<T>> slot_for(std::function<void(T)> done, T fallback) {
  return std::make_shared<reply_slot<T>>(std::move(done), std::move(fallback));
}

}  // namespace

}  // namespace linkly

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(linkly::blocking_job)

namespace linkly {

click_runtime::click_runtime(caf::actor_system& sys, const click_options& options,
                             std::shared_ptr<event_sink> log,
                             std::shared_ptr<dead_letter_store> dead_letters,
                             std::function<void(const std::string&)> on_fatal,
                             std::shared_ptr<click_spool> spool)
    : sys_(sys),
      options_(options),
      log_(std::move(log)),
      dead_letters_(std::move(dead_letters)),
      on_fatal_(std::move(on_fatal)),
      // Inline writes answer after the write: nothing to spool.
      spool_(options.mode == click_mode::queued ? std::move(spool) : nullptr),
      payloads_(options.mode == click_mode::queued ? std::make_shared<payload_pool>() : nullptr) {
  queue_ = spawn_queue();
  inline_writer_ = sys_.spawn<caf::detached>(job_runner, std::string("inline click writer"),
                                             std::string("click-inline"));
  admin_ = sys_.spawn<caf::detached>(job_runner, std::string("dead-letter admin"),
                                     std::string("dlq-admin"));
}

click_runtime::~click_runtime() {
  stop_helpers();
}

click_queue_actor click_runtime::queue() const {
  std::lock_guard lock(mutex_);
  return queue_;
}

click_queue_actor click_runtime::spawn_queue() {
  auto q = spawn_click_queue(sys_, options_.queue, log_.get(), dead_letters_.get(), metrics_,
                             on_fatal_, spool_, payloads_);
  std::lock_guard lock(mutex_);
  queue_ = q;
  return q;
}

void click_runtime::stop_helpers() {
  if (inline_writer_) caf::anon_send_exit(inline_writer_, caf::exit_reason::user_shutdown);
  if (admin_) caf::anon_send_exit(admin_, caf::exit_reason::user_shutdown);
  inline_writer_ = nullptr;
  admin_ = nullptr;
}

void click_runtime::submit(std::vector<envelope> clicks) {
  if (options_.mode == click_mode::off || clicks.empty()) return;
  caf::anon_send(queue(), enqueue_atom::value, std::move(clicks));
}

void click_runtime::write_now(std::vector<envelope> clicks,
                              std::function<void(reply_status)> done) {
  auto slot = slot_for<reply_status>(
      std::move(done), reply_status::failure(reply_code::unavailable, "click writer unavailable"));
  auto log = log_;
  auto metrics = metrics_;
  blocking_job job = [log, metrics, slot, clicks = std::move(clicks)]() mutable {
    append_result r;
    status st = log->append(clicks, &r);
    if (st) {
      metrics->written.fetch_add(clicks.size(), std::memory_order_relaxed);
      metrics->batches.fetch_add(1, std::memory_order_relaxed);
    } else {
      metrics->lost.fetch_add(clicks.size(), std::memory_order_relaxed);
    }
    if (!st) {
      return slot->deliver(reply_status::failure(
          reply_code::unavailable, "the clicks log cannot be written: " + st.to_string()));
    }
    slot->deliver(reply_status{});
  };
  caf::anon_send(inline_writer_, std::move(job));
}

void click_runtime::append_event(envelope event, std::function<void(event_append_reply)> done) {
  event_append_reply fallback;
  fallback.fail(reply_code::unavailable, "click writer unavailable");
  auto slot = slot_for<event_append_reply>(std::move(done), std::move(fallback));
  auto log = log_;
  // On the inline writer's thread: an append blocks, and this one is rare
  // (an operator's deletion), so it shares the thread with inline clicks.
  blocking_job job = [log, slot, event = std::move(event)]() mutable {
    std::vector<envelope> one{std::move(event)};
    append_result r;
    event_append_reply reply;
    if (status st = log->append(one, &r); !st) {
      reply.fail(reply_code::unavailable, "the clicks log cannot be written: " + st.to_string());
    } else {
      reply.seq = r.first_seq;
    }
    slot->deliver(std::move(reply));
  };
  caf::anon_send(inline_writer_, std::move(job));
}

void click_runtime::list_dead_letters(std::uint64_t after, std::size_t limit,
                                      std::function<void(dead_letter_page)> done) {
  dead_letter_page unavailable;
  unavailable.fail(reply_code::unavailable, kStoreUnavailable);
  auto slot = slot_for<dead_letter_page>(std::move(done), unavailable);
  auto store = dead_letters_;
  blocking_job job = [store, slot, after, limit] {
    dead_letter_page page;
    if (status st = store->list(after, limit, &page.entries); !st) {
      page.fail(reply_code::unavailable, st.to_string());
    }
    slot->deliver(std::move(page));
  };
  caf::anon_send(admin_, std::move(job));
}

void click_runtime::redrive(std::optional<std::uint64_t> id,
                            std::function<void(redrive_reply)> done) {
  redrive_reply unavailable;
  unavailable.fail(reply_code::unavailable, kStoreUnavailable);
  auto slot = slot_for<redrive_reply>(std::move(done), unavailable);
  auto store = dead_letters_;
  auto log = log_;
  auto metrics = metrics_;
  auto written_not_erased = written_not_erased_;
  // Written here, on the admin thread, not handed to the queue: the answer
  // then says what was written, and a queue over its capacity cannot park
  // the batches again behind the operator's back.
  blocking_job job = [store, log, metrics, written_not_erased, slot, id, other = other_queues_] {
    redrive_reply reply;
    std::vector<dead_letter> entries;
    status st;
    if (id) {
      dead_letter one;
      st = store->get(*id, &one);
      if (st) entries.push_back(std::move(one));
      if (st.is_not_found()) {
        reply.fail(reply_code::not_found, "dead letter not found");
        return slot->deliver(std::move(reply));
      }
    } else {
      st = store->list(0, SIZE_MAX, &entries);
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const dead_letter& entry = entries[i];
      if (entry.queue != kClickQueue) {
        if (other && other(entry)) ++reply.redriven;
        continue;
      }
      if (reply.log_failed) {
        ++reply.remaining;
        continue;
      }
      if (written_not_erased->count(entry.id) != 0) {
        // Written before: only its erase is owed.
        if (status erased = store->erase(entry.id); erased || erased.is_not_found()) {
          written_not_erased->erase(entry.id);
          ++reply.redriven;
        } else {
          ++reply.remaining;
        }
        continue;
      }
      std::vector<envelope> batch;
      if (status d = decode_batch(entry.payload, &batch); !d) {
        st = status::corruption("dead letter " + std::to_string(entry.id) + ": " + d.message());
        ++reply.remaining;
        continue;
      }
      append_result written;
      if (status w = log->append(batch, &written); !w) {
        reply.log_failed = true;
        reply.fail(reply_code::unavailable, "the clicks log cannot be written: " + w.to_string());
        ++reply.remaining;
        continue;
      }
      metrics->written.fetch_add(batch.size(), std::memory_order_relaxed);
      metrics->batches.fetch_add(1, std::memory_order_relaxed);
      ++reply.redriven;
      reply.clicks += batch.size();
      // Append, then erase: a crash in between leaves the entry to be
      // redriven again (its clicks written twice) rather than lost.
      if (status erased = store->erase(entry.id); !erased && !erased.is_not_found()) {
        spdlog::error("redriven dead letter {} written but not erased: {}", entry.id,
                      erased.to_string());
        written_not_erased->insert(entry.id);
      }
    }
    if (!st && !reply.log_failed) reply.fail(reply_code::unavailable, st.to_string());
    slot->deliver(std::move(reply));
  };
  caf::anon_send(admin_, std::move(job));
}

void click_runtime::discard(std::uint64_t id, std::function<void(reply_status)> done) {
  auto slot = slot_for<reply_status>(
      std::move(done), reply_status::failure(reply_code::unavailable, kStoreUnavailable));
  auto store = dead_letters_;
  blocking_job job = [store, slot, id] {
    status st = store->erase(id);
    if (st.is_not_found()) {
      return slot->deliver(reply_status::failure(reply_code::not_found, "dead letter not found"));
    }
    if (!st) return slot->deliver(reply_status::failure(reply_code::unavailable, st.to_string()));
    slot->deliver(reply_status{});
  };
  caf::anon_send(admin_, std::move(job));
}

bool click_runtime::drain(std::chrono::milliseconds timeout) {
  caf::scoped_actor self{sys_};
  bool drained = false;
  self->request(queue(), timeout, drain_atom::value)
      .receive([&](std::uint64_t) { drained = true; },
               [&](caf::error& err) {
                 spdlog::error("click queue did not drain: {}", sys_.render(err));
               });
  return drained;
}

}  // namespace linkly
