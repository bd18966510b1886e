#include "actors/journal.hpp"

#include "actors/atoms.hpp"
#include "actors/exception_text.hpp"
#include "actors/group_commit.hpp"
#include "actors/link_recovery.hpp"
#include "storage/event_log.hpp"
#include "storage/thread_priority.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

namespace linkly {

caf::error make_error(journal_errc x, std::string message) {
  return caf::error(static_cast<std::uint8_t>(x), kJournalErrorCategory,
                    caf::make_message(std::move(message)));
}

std::string read_error_text(caf::actor_system& sys, const caf::error& err) {
  const caf::message& context = err.context();
  if (err.category() == kJournalErrorCategory && context.match_elements<std::string>()) {
    return context.get_as<std::string>(0);
  }
  return "the links log could not be read: " + sys.render(err);
}

namespace {

log_writer_actor::behavior_type log_writer(log_writer_actor::pointer self,
                                           std::shared_ptr<event_log> log,
                                           latency_histogram* writes) {
  // Named, not lowered: a create waits for this thread's write and fsync.
  name_thread("links-writer");
  // Linked to the journal: if the writer fails, the journal goes down with
  // it and the supervisor restarts both.
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("links log writer failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [log, writes](write_atom, std::vector<std::vector<envelope>>& groups)
          -> caf::result<std::vector<append_result>> {
        std::vector<envelope> all;
        for (auto& g : groups) std::move(g.begin(), g.end(), std::back_inserter(all));
        append_result total;
        auto began = std::chrono::steady_clock::now();
        status st = log->append(all, &total);
        if (writes != nullptr) writes->observe(std::chrono::steady_clock::now() - began);
        if (!st) {
          spdlog::error("links log append failed: {}", st.to_string());
          return make_error(journal_errc::write_failed, st.to_string());
        }
        std::vector<append_result> results;
        results.reserve(groups.size());
        std::uint64_t next = total.first_seq;
        for (const auto& g : groups) {
          results.push_back({next, next + g.size() - 1});
          next += g.size();
        }
        return results;
      },
      [log](replay_atom, std::uint64_t shards, std::uint64_t shard) -> caf::result<table_ptr> {
        shard_replay replay;
        if (status st = replay_links(*log, shards, shard, &replay); !st) {
          return make_error(journal_errc::read_failed, st.to_string());
        }
        return table_ptr(std::move(replay.tables[shard]));
      },
  };
}

struct journal_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  journal_state() = default;
  struct pending_append {
    std::vector<envelope> events;
    caf::typed_response_promise<append_result> promise;
  };
  // A replay waits for the appends queued before it, so that the state it
  // rebuilds includes every append requested before it (a restarted link
  // actor's in-flight appends among them).
  struct pending_replay {
    std::uint64_t shards;
    std::uint64_t shard;
    std::size_t appends_ahead;  // queued appends still to be sent before it
    caf::typed_response_promise<table_ptr> promise;
  };
  log_writer_actor writer;
  std::vector<pending_append> queue;
  std::vector<pending_replay> replays;
  bool writing = false;
  static inline const char* name = "journal";
};

using journal_pointer = journal_actor::stateful_pointer<journal_state>;

// Sends everything queued to the writer as one batch, unless a batch is
// already being written: then it goes when that one is durable.
void flush(journal_pointer self) {
  auto& st = self->state;
  if (st.writing || st.queue.empty()) return;
  st.writing = true;
  std::vector<std::vector<envelope>> groups;
  std::vector<caf::typed_response_promise<append_result>> promises;
  const std::size_t n = take_batch(&st.queue, &journal_state::pending_append::events,
                                   &journal_state::pending_append::promise, &groups, &promises);
  self->request(st.writer, caf::infinite, write_atom::value, std::move(groups))
      .then(
          [self, promises](std::vector<append_result>& results) mutable {
            for (std::size_t i = 0; i < promises.size(); ++i) promises[i].deliver(results[i]);
            self->state.writing = false;
            flush(self);
          },
          [self, promises](caf::error& err) mutable {
            for (auto& p : promises) p.deliver(err);
            self->state.writing = false;
            flush(self);
          });
  // Replays waiting for no more than this batch go to the writer behind it.
  for (auto it = st.replays.begin(); it != st.replays.end();) {
    if (it->appends_ahead > n) {
      it->appends_ahead -= n;
      ++it;
      continue;
    }
    it->promise.delegate(st.writer, replay_atom::value, it->shards, it->shard);
    it = st.replays.erase(it);
  }
}

journal_actor::behavior_type journal(journal_pointer self, std::shared_ptr<event_log> log,
                                     latency_histogram* writes) {
  self->state.writer = self->spawn<caf::detached + caf::linked>(log_writer, log, writes);
  self->set_exception_handler([](std::exception_ptr& e) -> caf::error {
    spdlog::error("journal failed: {}", describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [self](append_atom, std::vector<envelope>& events) -> caf::result<append_result> {
        auto promise = self->make_response_promise<append_result>();
        self->state.queue.push_back({std::move(events), promise});
        flush(self);
        return promise;
      },
      [self](replay_atom, std::uint64_t shards, std::uint64_t shard) -> caf::result<table_ptr> {
        auto& st = self->state;
        if (st.queue.empty()) {
          // Every earlier append is already in the writer's mailbox.
          return self->delegate(st.writer, replay_atom::value, shards, shard);
        }
        auto promise = self->make_response_promise<table_ptr>();
        st.replays.push_back({shards, shard, st.queue.size(), promise});
        return promise;
      },
  };
}

}  // namespace

journal_actor spawn_journal(caf::actor_system& sys, std::shared_ptr<event_log> log,
                            latency_histogram* writes) {
  return sys.spawn(journal, std::move(log), writes);
}

}  // namespace linkly
