#include "actors/stream_journal.hpp"

#include "actors/exception_text.hpp"
#include "actors/group_commit.hpp"
#include "storage/backoff.hpp"
#include "storage/record_format.hpp"
#include "storage/stream_follower.hpp"
#include "storage/stream_log.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>
#include <thread>

namespace linkly {

std::string make_boot_id() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

namespace {

// stream_append_result::failure of an append whose outcome is unknown.
constexpr std::uint8_t kUnknownOutcome = 0xff;

using stream_writer_actor = caf::typed_actor<caf::replies_to<
    write_atom, std::vector<stream_append>>::with<std::vector<stream_append_result>>>;

// Publishes one event, resending with the same message id while the stream
// does not answer. ok with the outcome, or the last error (outcome unknown).
status publish_one(const stream_writer_context& c, const envelope& env, std::uint64_t expected,
                   std::string* scratch, publish_outcome* out) {
  encode_record_value(env, 0, scratch);  // the stream's seq is the record's
  const std::string subject = "links." + env.key;
  const std::string msg_id = c.options.node + "." + c.boot_id + "." +
                             std::to_string(c.counter->fetch_add(1, std::memory_order_relaxed) + 1);
  status st;
  const std::size_t attempts = std::max<std::size_t>(1, c.options.publish_attempts);
  for (std::size_t attempt = 1; attempt <= attempts; ++attempt) {
    st = c.stream->publish(subject, *scratch, expected, msg_id, out);
    if (st) return st;
    spdlog::warn("links stream publish of {} (id {}) failed, try {} of {}: {}", subject, msg_id,
                 attempt, attempts, st.to_string());
    // A resend helps when an ack was lost; while the follower cannot reach
    // the stream either, it would only make the client wait longer.
    if (attempt == attempts || !c.follower->reachable()) break;
    std::this_thread::sleep_for(backoff_delay(c.options.resend_pause, attempt));
  }
  return st;
}

std::vector<stream_append_result> write_batch(const stream_writer_context& c,
                                              std::vector<stream_append>& groups) {
  std::vector<stream_append_result> results(groups.size());
  std::string scratch;
  bool down = false;  // a publish failed for good: send nothing more
  bool conflicts = false;
  std::uint64_t target = 0;  // the replica must hold this seq before anyone hears back
  for (std::size_t g = 0; g < groups.size(); ++g) {
    stream_append& in = groups[g];
    stream_append_result& out = results[g];
    if (down) {  // none of it was sent
      out.failure = static_cast<std::uint8_t>(journal_errc::write_failed);
      out.why = "the links stream cannot be reached";
      continue;
    }
    out.seqs.reserve(in.events.size());
    for (std::size_t i = 0; i < in.events.size(); ++i) {
      publish_outcome o;
      const std::uint64_t expected = i < in.expected_last.size() ? in.expected_last[i] : 0;
      if (status st = publish_one(c, in.events[i], expected, &scratch, &o); !st) {
        down = true;
        out.failure = kUnknownOutcome;
        out.why = "links stream publish outcome unknown: " + st.to_string();
        break;
      }
      if (o.conflict) {
        conflicts = true;
        out.seqs.push_back(stream_append_result::kConflict);
        continue;
      }
      out.seqs.push_back(o.seq);
      target = std::max(target, o.seq);
    }
  }
  if (conflicts) {
    // The shard decides again once it has every event the stream held when
    // it refused: until then its state is the one that lost.
    std::uint64_t last = 0;
    if (status st = c.stream->last_seq(&last); st) target = std::max(target, last);
  }
  // The stream answered: a follower pausing after failed fetches (a leader
  // election just ended) fetches now instead of at the end of its pause.
  if (target > 0) c.follower->nudge();
  if (target > 0 && !c.follower->wait_for(target, c.options.replica_wait)) {
    const std::string why = "the local links replica has not reached seq " +
                            std::to_string(target) + " within " +
                            std::to_string(c.options.replica_wait.count()) + " ms (at seq " +
                            std::to_string(c.follower->applied()) + ")";
    spdlog::warn("{}", why);
    for (auto& out : results) {
      if (out.failure != 0) continue;
      bool stored = std::any_of(out.seqs.begin(), out.seqs.end(), [](std::uint64_t s) {
        return s != stream_append_result::kConflict;
      });
      if (stored) {
        out.failure = static_cast<std::uint8_t>(journal_errc::replica_behind);
        out.why = why;
      }
    }
  }
  return results;
}

stream_writer_actor::behavior_type stream_writer(
    stream_writer_actor::pointer self, std::shared_ptr<const stream_writer_context> context) {
  // Named, not lowered: a create waits for this thread's publishes.
  name_thread("links-publisher");
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("links stream writer failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [context](write_atom, std::vector<stream_append>& groups) {
        return write_batch(*context, groups);
      },
  };
}

struct stream_journal_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  stream_journal_state() = default;
  struct pending_append {
    stream_append append;
    caf::typed_response_promise<stream_append_result> promise;
  };
  stream_writer_actor writer;
  std::vector<pending_append> queue;
  bool writing = false;
  static inline const char* name = "stream_journal";
};

using stream_journal_pointer = stream_journal_actor::stateful_pointer<stream_journal_state>;

caf::error failure_error(const stream_append_result& r) {
  if (r.failure == static_cast<std::uint8_t>(journal_errc::write_failed) ||
      r.failure == static_cast<std::uint8_t>(journal_errc::replica_behind)) {
    return make_error(static_cast<journal_errc>(r.failure), r.why);
  }
  return caf::make_error(caf::sec::runtime_error, r.why);  // outcome unknown
}

// Sends everything queued to the writer as one batch, unless one is out.
void flush(stream_journal_pointer self) {
  auto& st = self->state;
  if (st.writing || st.queue.empty()) return;
  st.writing = true;
  std::vector<stream_append> groups;
  std::vector<caf::typed_response_promise<stream_append_result>> promises;
  take_batch(&st.queue, &stream_journal_state::pending_append::append,
             &stream_journal_state::pending_append::promise, &groups, &promises);
  self->request(st.writer, caf::infinite, write_atom::value, std::move(groups))
      .then(
          [self, promises](std::vector<stream_append_result>& results) mutable {
            for (std::size_t i = 0; i < promises.size(); ++i) {
              if (results[i].failure != 0) {
                promises[i].deliver(failure_error(results[i]));
              } else {
                promises[i].deliver(std::move(results[i]));
              }
            }
            self->state.writing = false;
            flush(self);
          },
          [self, promises](caf::error& err) mutable {
            for (auto& p : promises) p.deliver(err);
            self->state.writing = false;
            flush(self);
          });
}

stream_journal_actor::behavior_type stream_journal(
    stream_journal_pointer self, std::shared_ptr<const stream_writer_context> context) {
  self->state.writer = self->spawn<caf::detached + caf::linked>(stream_writer, context);
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("stream journal failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [self](publish_atom, stream_append& append) -> caf::result<stream_append_result> {
        auto promise = self->make_response_promise<stream_append_result>();
        self->state.queue.push_back({std::move(append), promise});
        flush(self);
        return promise;
      },
  };
}

}  // namespace

stream_journal_actor spawn_stream_journal(caf::actor_system& sys,
                                          std::shared_ptr<const stream_writer_context> context) {
  return sys.spawn(stream_journal, std::move(context));
}

}  // namespace linkly
