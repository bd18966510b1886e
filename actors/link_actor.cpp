#include "actors/link_actor.hpp"

#include "actors/atoms.hpp"
#include "actors/code_generator.hpp"
#include "actors/directory.hpp"
#include "actors/exception_text.hpp"
#include "actors/journal_errors.hpp"
#include "actors/link_history.hpp"
#include "actors/stream_journal.hpp"
#include "schemas/clock.hpp"
#include "schemas/link_rules.hpp"

#include <caf/all.hpp>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <unordered_map>
#include <variant>

namespace linkly {

namespace {

using command = std::variant<create_link, update_link, delete_link>;

// Cluster mode: how often one command is decided again after another node
// wrote its code first, before it is answered 503. Each round waits for this
// node to catch up with the stream, so more than a few means the code is
// being written without pause.
constexpr std::size_t kMaxConflictRounds = 5;

struct waiting_command {
  command cmd;
  command_slot reply;
  std::size_t round = 0;   // cluster mode: conflicts this command lost so far
  bool generated = false;  // a create whose code was generated here
};

struct link_shard_state {
  // Not an aggregate: C++20 would otherwise let CAF build it from the actor.
  link_shard_state() = default;
  link_shard_config config;
  table_ptr table;
  // Codes with an append in flight, each with the commands queued behind it.
  // A vector, not a deque: most codes never have a waiter, and an import
  // marks tens of thousands busy at once (an empty deque allocates).
  std::unordered_map<std::string, std::vector<waiting_command>> busy;
  code_generator codes;  // CSPRNG: a code must not be guessable from others
  static inline const char* name = "link_shard";
};

using shard_pointer = link_actor::stateful_pointer<link_shard_state>;

const std::string& code_of(const command& cmd) {
  return std::visit([](const auto& c) -> const std::string& { return c.code; }, cmd);
}

// A fresh 6-character code that this shard owns and nobody holds.
std::string generate_code(link_shard_state& st) {
  std::string ignored;
  for (;;) {
    // About shards-1 of every shards candidates belong elsewhere.
    std::string code = st.codes.next(kGeneratedCodeLength);
    if (shard_of(code, st.config.shards) == st.config.index && st.table->lookup(code) == nullptr &&
        st.busy.count(code) == 0 && validate_custom_code(code, &ignored)) {
      return code;
    }
  }
}

void execute(shard_pointer self, command cmd, command_slot reply, std::size_t round = 0,
             bool generated = false);

// The journal knows the append was not written: the shard's state still
// matches the log. Any other failure leaves the outcome unknown.
bool known_unwritten(const caf::error& err) {
  return err.category() == kJournalErrorCategory &&
         err.code() == static_cast<std::uint8_t>(journal_errc::write_failed);
}

// Cluster mode: stored in the stream, but this node's replica did not get it
// in time; the table learns it when the replica does (remote apply).
bool stored_not_visible(const caf::error& err) {
  return err.category() == kJournalErrorCategory &&
         err.code() == static_cast<std::uint8_t>(journal_errc::replica_behind);
}

// The append for `code` is over: run what queued behind it, in order, until
// one of them starts an append of its own.
void release(shard_pointer self, const std::string& code) {
  auto& busy = self->state.busy;
  auto it = busy.find(code);
  if (it == busy.end()) return;
  std::vector<waiting_command> waiting = std::move(it->second);
  busy.erase(it);
  for (std::size_t i = 0; i < waiting.size(); ++i) {
    execute(self, std::move(waiting[i].cmd), std::move(waiting[i].reply), waiting[i].round,
            waiting[i].generated);
    if (auto again = busy.find(code); again != busy.end()) {
      for (std::size_t j = i + 1; j < waiting.size(); ++j) {
        again->second.push_back(std::move(waiting[j]));
      }
      return;
    }
  }
}

// The seq of the last event of `code` this shard's table holds; 0: none.
std::uint64_t last_seq_of(const link_table& table, std::string_view code) {
  const stored_link* record = table.lookup(code);
  if (record == nullptr || record->seqs().empty()) return 0;
  return record->seqs().back();
}

// Applies an event of the links log unless the table already holds its seq
// (cluster mode: a node's own event comes back from the stream as well).
void apply_once(link_table& table, const link_event& event, const envelope& env) {
  if (last_seq_of(table, env.key) >= env.seq) return;
  table.apply(event, env);
}

void execute_clustered(shard_pointer self, command cmd, command_slot reply, std::size_t round,
                       bool generated, decision d);

void execute(shard_pointer self, command cmd, command_slot reply, std::size_t round,
             bool generated) {
  auto& st = self->state;
  decision d = std::visit([&](const auto& c) { return st.table->decide(c); }, cmd);
  if (!d.accepted) return reply->deliver(std::move(d.refusal));
  if (st.config.clustered) {
    return execute_clustered(self, std::move(cmd), std::move(reply), round, generated,
                             std::move(d));
  }
  auto journal = st.config.dir->journal();
  if (!journal) {
    return reply->deliver(command_reply::failure(command_errc::unavailable, "log unavailable"));
  }
  std::string code = code_of(cmd);
  st.busy[code];
  envelope env = make_envelope(d.event, now_utc_ms());
  self->request(journal, st.config.append_timeout, append_atom::value, std::vector<envelope>{env})
      .then(
          [self, env, event = d.event, reply, code](append_result& r) mutable {
            auto& st = self->state;
            env.seq = r.first_seq;
            st.table->apply(event, env);
            command_reply ok;
            if (!st.table->live(code, &ok.link)) ok.link.code = code;
            reply->deliver(std::move(ok));
            release(self, code);
          },
          [self, reply, code](caf::error& err) {
            reply->deliver(command_reply::failure(command_errc::unavailable, "log unavailable"));
            if (known_unwritten(err)) return release(self, code);
            spdlog::error("link shard {}: append outcome unknown ({}); rebuilding from the log",
                          self->state.config.index, self->system().render(err));
            self->quit(err);
          });
}

// Cluster mode: a publish whose outcome is unknown needs no rebuild (a node
// rebuilds on one alone): if it was stored, the follower brings it to this
// table like any other event, and a command decided on the state before it
// meanwhile is refused by the stream and decided again. So a stream leader's
// election does not crash-loop the shards into the supervisor's limit.
void warn_outcome_unknown(shard_pointer self, const caf::error& err) {
  spdlog::warn("link shard {}: publish outcome unknown ({}); the stream will tell",
               self->state.config.index, self->system().render(err));
}

// Cluster mode: the event goes to the links stream expecting the code's last
// seq as this table knows it. Stored: the replica holds it (and has sent it
// here too) by the time the answer comes. Refused because another node
// wrote the code first: the replica has caught up with the stream, so the
// command is decided again on the fresh state (a generated code tries a new
// code), ahead of the commands queued behind it.
void execute_clustered(shard_pointer self, command cmd, command_slot reply, std::size_t round,
                       bool generated, decision d) {
  auto& st = self->state;
  auto journal = st.config.dir->stream_journal();
  if (!journal) {
    return reply->deliver(command_reply::failure(command_errc::unavailable, "log unavailable"));
  }
  std::string code = code_of(cmd);
  st.busy[code];
  envelope env = make_envelope(d.event, now_utc_ms());
  stream_append append;
  append.expected_last.push_back(last_seq_of(*st.table, code));
  append.events.push_back(env);
  self->request(journal, st.config.append_timeout, publish_atom::value, std::move(append))
      .then(
          [self, env, event = d.event, reply, code, cmd = std::move(cmd), round,
           generated](stream_append_result& r) mutable {
            auto& st = self->state;
            const std::uint64_t seq = r.seqs.empty() ? 0 : r.seqs.front();
            if (seq == stream_append_result::kConflict) {
              if (round + 1 >= kMaxConflictRounds) {
                reply->deliver(command_reply::failure(
                    command_errc::unavailable,
                    "link \"" + code + "\" kept changing on other nodes; try again"));
                return release(self, code);
              }
              if (generated) {
                // A generated code someone else took: any free code will do.
                auto& create = std::get<create_link>(cmd);
                create.code = generate_code(st);
              }
              auto& waiting = st.busy[code];
              waiting.insert(waiting.begin(), waiting_command{std::move(cmd), std::move(reply),
                                                              round + 1, generated});
              return release(self, code);
            }
            env.seq = seq;
            apply_once(*st.table, event, env);
            command_reply ok;
            if (!st.table->live(code, &ok.link)) ok.link.code = code;
            reply->deliver(std::move(ok));
            release(self, code);
          },
          [self, reply, code](caf::error& err) {
            reply->deliver(command_reply::failure(command_errc::unavailable, "log unavailable"));
            if (!known_unwritten(err) && !stored_not_visible(err)) {
              warn_outcome_unknown(self, err);
            }
            release(self, code);
          });
}

// Cluster mode: an import's accepted rows, by their index in the import and
// the seq each code's last event has in this table.
struct clustered_rows {
  std::vector<std::size_t> index;
  std::vector<std::uint64_t> expected_last;
};

// Cluster mode: each row is published on its own (one batch for the
// writer); a row another node created first is refused as taken.
void import_clustered(shard_pointer self, std::shared_ptr<std::vector<create_link>> accepted,
                      std::vector<envelope> envs, clustered_rows rows, import_reply out,
                      import_slot reply) {
  auto journal = self->state.config.dir->stream_journal();
  if (!journal) {
    for (const auto& row : *accepted) release(self, row.code);
    out.fail(command_errc::unavailable, "log unavailable");
    return reply->deliver(std::move(out));
  }
  auto result = std::make_shared<import_reply>(std::move(out));
  auto index = std::make_shared<std::vector<std::size_t>>(std::move(rows.index));
  stream_append append;
  append.events = std::move(envs);
  append.expected_last = std::move(rows.expected_last);
  const std::int64_t now = append.events.front().timestamp_ms;
  self->request(journal, self->state.config.append_timeout, publish_atom::value, std::move(append))
      .then(
          [self, accepted, index, result, reply, now](stream_append_result& r) {
            auto& st = self->state;
            envelope env;
            env.timestamp_ms = now;
            for (std::size_t k = 0; k < accepted->size(); ++k) {
              create_link& row = (*accepted)[k];
              const std::uint64_t seq = k < r.seqs.size() ? r.seqs[k] : 0;
              if (seq == stream_append_result::kConflict) {
                result->refused.push_back({(*index)[k], command_errc::conflict,
                                           "code \"" + row.code + "\" is already taken"});
                continue;
              }
              env.seq = seq;
              env.key = row.code;
              apply_once(*st.table, link_created{row.code, row.url, row.attrs}, env);
              ++result->imported;
            }
            std::sort(
                result->refused.begin(), result->refused.end(),
                [](const import_refusal& a, const import_refusal& b) { return a.index < b.index; });
            reply->deliver(std::move(*result));
            for (const auto& row : *accepted) release(self, row.code);
          },
          [self, accepted, result, reply](caf::error& err) {
            result->fail(command_errc::unavailable, "log unavailable");
            reply->deliver(std::move(*result));
            if (!known_unwritten(err) && !stored_not_visible(err)) {
              warn_outcome_unknown(self, err);
            }
            for (const auto& row : *accepted) release(self, row.code);
          });
}

// A bulk create: every row is decided against the table and the rows before
// it, the accepted ones go out in one append and stay busy until it is
// over, so single commands for their codes queue behind it.
void import_rows(shard_pointer self, std::vector<create_link> rows, import_slot reply) {
  auto& st = self->state;
  auto journal = st.config.dir->journal();
  if (!journal) {
    import_reply out;
    out.fail(command_errc::unavailable, "log unavailable");
    return reply->deliver(std::move(out));
  }
  import_reply out;
  auto accepted = std::make_shared<std::vector<create_link>>();
  accepted->reserve(rows.size());
  std::vector<envelope> envs;
  envs.reserve(rows.size());
  clustered_rows cluster_rows;
  const std::int64_t now = now_utc_ms();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    create_link& row = rows[i];
    decision d;
    if (row.code.empty()) {
      row.code = generate_code(st);  // free by construction
      d.accepted = true;
      d.event = link_created{row.code, row.url, row.attrs};
    } else if (st.busy.count(row.code) != 0) {
      // Earlier in this import, or a command still being written.
      out.refused.push_back(
          {i, command_errc::conflict, "code \"" + row.code + "\" is already taken"});
      continue;
    } else {
      d = st.table->decide(row);
    }
    if (!d.accepted) {
      out.refused.push_back({i, d.refusal.code, std::move(d.refusal.error)});
      continue;
    }
    st.busy[row.code];
    if (st.config.clustered) {
      cluster_rows.index.push_back(i);
      cluster_rows.expected_last.push_back(last_seq_of(*st.table, row.code));
    }
    envs.push_back(make_envelope(d.event, now));
    accepted->push_back(std::move(row));
  }
  if (accepted->empty()) return reply->deliver(std::move(out));
  if (st.config.clustered) {
    return import_clustered(self, std::move(accepted), std::move(envs), std::move(cluster_rows),
                            std::move(out), std::move(reply));
  }
  auto result = std::make_shared<import_reply>(std::move(out));
  self->request(journal, st.config.append_timeout, append_atom::value, std::move(envs))
      .then(
          [self, accepted, result, reply, now](append_result& r) {
            auto& st = self->state;
            envelope env;
            env.timestamp_ms = now;
            env.seq = r.first_seq;
            for (auto& row : *accepted) {
              st.table->apply(link_created{row.code, std::move(row.url), std::move(row.attrs)},
                              env);
              ++env.seq;
            }
            result->imported = accepted->size();
            reply->deliver(std::move(*result));
            for (const auto& row : *accepted) release(self, row.code);
          },
          [self, accepted, result, reply](caf::error& err) {
            result->fail(command_errc::unavailable, "log unavailable");
            reply->deliver(std::move(*result));
            if (known_unwritten(err)) {
              for (const auto& row : *accepted) release(self, row.code);
              return;
            }
            spdlog::error(
                "link shard {}: import append outcome unknown ({}); rebuilding from the log",
                self->state.config.index, self->system().render(err));
            self->quit(err);
          });
}

// A page of the history: its seqs come from the table, its events from the
// log reader (never the journal: reads do not wait for appends, nor appends
// for reads).
void history(shard_pointer self, const std::string& code, std::uint64_t after, std::uint64_t limit,
             history_slot reply) {
  const stored_link* record = self->state.table->lookup(code);
  if (record == nullptr) {
    history_reply none;
    none.fail(reply_code::not_found, "link not found");
    return reply->deliver(std::move(none));
  }
  seq_page page = history_page(record->seqs(), after, static_cast<std::size_t>(limit));
  history_reply out;
  out.next = page.next;
  if (page.seqs.empty()) return reply->deliver(std::move(out));
  self->request(self->state.config.dir->reader(), self->state.config.read_timeout, read_atom::value,
                std::move(page.seqs))
      .then(
          [reply, out](std::vector<envelope>& envs) mutable {
            out.entries.reserve(envs.size());
            for (const auto& env : envs) out.entries.push_back(history_entry(env));
            reply->deliver(std::move(out));
          },
          [self, reply](caf::error& err) {
            history_reply failed;
            failed.fail(reply_code::unavailable, read_error_text(self->system(), err));
            reply->deliver(std::move(failed));
          });
}

// The link as of a seq: the table says whether it was live and which (at
// most two) events hold its url and times.
void link_as_of(shard_pointer self, const std::string& code, std::uint64_t as_of,
                as_of_slot reply) {
  const stored_link* record = self->state.table->lookup(code);
  as_of_plan plan;
  if (record != nullptr) {
    const link_extras* x = record->extras();
    const seq_span recreated =
        x != nullptr ? seq_span{x->recreated_at.data(), x->recreated_at.size()} : seq_span{};
    plan = plan_as_of(record->seqs(), recreated, record->deleted, as_of);
  }
  if (!plan.live) return reply->deliver(as_of_reply{});
  auto reads = plan.reads;
  self->request(self->state.config.dir->reader(), self->state.config.read_timeout, read_atom::value,
                std::move(reads))
      .then(
          [reply, code, plan](std::vector<envelope>& envs) {
            as_of_reply out;
            if (!link_from(code, plan, envs, &out.link)) {
              std::string why = "the links log holds an undecodable event of \"" + code + "\" (seq";
              for (std::uint64_t seq : plan.reads) why += " " + std::to_string(seq);
              out.fail(reply_code::unavailable, why + ")");
            } else {
              out.live = true;
            }
            reply->deliver(std::move(out));
          },
          [self, reply](caf::error& err) {
            as_of_reply failed;
            failed.fail(reply_code::unavailable, read_error_text(self->system(), err));
            reply->deliver(std::move(failed));
          });
}

void submit(shard_pointer self, command cmd, command_slot reply, bool generated = false) {
  auto& st = self->state;
  if (auto it = st.busy.find(code_of(cmd)); it != st.busy.end()) {
    it->second.push_back({std::move(cmd), std::move(reply), 0, generated});
    return;
  }
  execute(self, std::move(cmd), std::move(reply), 0, generated);
}

// Cluster mode: events the replica took from the stream, this shard's
// codes only, in seq order; those the table holds already (its own, applied
// at the answer) are skipped.
void apply_remote(shard_pointer self, const std::vector<envelope>& events) {
  auto& st = self->state;
  link_event event;
  for (const envelope& env : events) {
    if (last_seq_of(*st.table, env.key) >= env.seq) continue;
    if (!decode_link_event(env, &event)) {
      spdlog::error("link shard {}: undecodable {} at seq {} from the stream; not applied",
                    st.config.index, to_string(env.type), env.seq);
      continue;
    }
    st.table->apply(event, env);
  }
}

link_actor::behavior_type link_shard(shard_pointer self, link_shard_config config,
                                     table_ptr table) {
  self->state.config = config;
  self->state.table = std::move(table);
  self->set_exception_handler([self](std::exception_ptr& e) -> caf::error {
    spdlog::error("link shard {} failed: {}", self->state.config.index, describe_exception(e));
    return caf::sec::runtime_error;
  });
  return {
      [self](create_atom, create_link& cmd, command_slot& reply) {
        const bool generated = cmd.code.empty();
        if (generated) cmd.code = generate_code(self->state);
        submit(self, std::move(cmd), std::move(reply), generated);
      },
      [self](update_atom, update_link& cmd, command_slot& reply) {
        submit(self, std::move(cmd), std::move(reply));
      },
      [self](delete_atom, delete_link& cmd, command_slot& reply) {
        submit(self, std::move(cmd), std::move(reply));
      },
      [self](import_atom, std::vector<create_link>& rows, import_slot& reply) {
        import_rows(self, std::move(rows), std::move(reply));
      },
      [self](apply_atom, const std::vector<envelope>& events) { apply_remote(self, events); },
      [self](list_atom, const std::string& after, std::uint64_t limit,
             const std::vector<std::string>& tags, list_slot& reply) {
        link_page page;
        page.links = self->state.table->list(after, limit, tags);
        reply->deliver(std::move(page));
      },
      [self](history_atom, const std::string& code, std::uint64_t after, std::uint64_t limit,
             history_slot& reply) { history(self, code, after, limit, std::move(reply)); },
      [self](as_of_atom, const std::string& code, std::uint64_t as_of, as_of_slot& reply) {
        link_as_of(self, code, as_of, std::move(reply));
      },
  };
}

}  // namespace

link_actor spawn_link_shard(caf::actor_system& sys, const link_shard_config& config,
                            table_ptr table) {
  return sys.spawn(link_shard, config, std::move(table));
}

}  // namespace linkly
