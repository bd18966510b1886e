#include "actors/link_recovery.hpp"

#include "actors/read_view.hpp"
#include "schemas/log_events.hpp"
#include "storage/event_log.hpp"

#include <algorithm>
#include <thread>
#include <vector>

namespace linkly {

status replay_links(const event_log& log, std::size_t shards, std::size_t only, shard_replay* out) {
  out->tables.clear();
  for (std::size_t i = 0; i < shards; ++i) out->tables.push_back(std::make_unique<link_table>());
  out->events = 0;
  out->last_seq = 0;
  return replay_links_tail(log, only, out);
}

status replay_links_tail(const event_log& log, std::size_t only, shard_replay* out) {
  const std::size_t shards = out->tables.size();
  link_event event;
  status decode_error;
  status st = log.replay(
      out->last_seq + 1, event_log::kNoLimit, event_log::kNoLimit, [&](const envelope& env) {
        ++out->events;
        out->last_seq = env.seq;
        if (is_records_lost(env)) return true;  // a lost record's marker: no link's
        std::size_t shard = shard_of(env.key, shards);
        if (only < shards && shard != only) return true;
        if (!decode_link_event(env, &event)) {
          decode_error = status::corruption("undecodable " + std::string(to_string(env.type)) +
                                            " payload at seq " + std::to_string(env.seq));
          return false;
        }
        out->tables[shard]->apply(event, env);
        return true;
      });
  if (!st) return st;
  return decode_error;
}

std::vector<std::shared_ptr<link_table>> publish_all_to_view(shard_replay& replay, read_view& view,
                                                             std::size_t threads) {
  std::vector<std::shared_ptr<link_table>> tables;
  for (auto& t : replay.tables) tables.emplace_back(std::move(t));
  replay.tables.clear();
  threads = std::max<std::size_t>(1, std::min(threads, tables.size()));
  std::vector<std::thread> helpers;
  for (std::size_t i = 1; i < threads; ++i) {
    helpers.emplace_back([&, i] {
      for (std::size_t t = i; t < tables.size(); t += threads) tables[t]->compact();
    });
  }
  for (std::size_t t = 0; t < tables.size(); t += threads) tables[t]->compact();
  for (auto& h : helpers) h.join();
  view.attach(tables);
  return tables;
}

std::shared_ptr<link_table> publish_to_view(std::size_t shard, link_table& fresh, read_view& view) {
  fresh.compact();
  const std::shared_ptr<link_table>& table = view.table(shard);
  table->take(fresh);
  return table;
}

}  // namespace linkly
