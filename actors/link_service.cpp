#include "actors/link_service.hpp"

#include "actors/atoms.hpp"
#include "actors/directory.hpp"
#include "actors/link_table.hpp"
#include "actors/reply_slot.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <mutex>

namespace linkly {

namespace {

// What a shard that died before answering (restarting) answers.
constexpr const char* kRestarting = "link service restarting, try again";

command_slot make_command_slot(command_callback done) {
  return std::make_shared<reply_slot<command_reply>>(
      std::move(done), command_reply::failure(command_errc::unavailable, kRestarting));
}

// Gathers one page from every shard and merges them in code order.
struct page_gather {
  std::mutex mutex;
  std::vector<link_info> links;
  std::size_t remaining;
  std::size_t limit;
  reply_status failed;  // the first shard's failure: the page is incomplete
  page_callback done;

  void add(link_page part) {
    std::unique_lock lock(mutex);
    if (!part.ok() && failed.ok()) failed.fail(part.code, std::move(part.error));
    std::move(part.links.begin(), part.links.end(), std::back_inserter(links));
    if (--remaining > 0) return;
    lock.unlock();
    link_page page;
    static_cast<reply_status&>(page) = std::move(failed);
    std::sort(links.begin(), links.end(),
              [](const link_info& a, const link_info& b) { return a.code < b.code; });
    if (links.size() > limit) {
      links.resize(limit);
      page.next = links.back().code;
    }
    page.links = std::move(links);
    done(std::move(page));
  }
};

// Gathers the shards' answers to one import; maps each shard's positions
// back to the caller's.
struct import_gather {
  std::mutex mutex;
  import_reply reply;
  std::size_t remaining = 0;
  import_callback done;

  void add(const std::vector<std::size_t>& indices, import_reply part) {
    std::unique_lock lock(mutex);
    reply.imported += part.imported;
    for (auto& r : part.refused) {
      r.index = indices[r.index];
      reply.refused.push_back(std::move(r));
    }
    if (!part.ok() && reply.ok()) reply.fail(part.code, std::move(part.error));
    if (--remaining > 0) return;
    lock.unlock();
    std::sort(reply.refused.begin(), reply.refused.end(),
              [](const import_refusal& a, const import_refusal& b) { return a.index < b.index; });
    done(std::move(reply));
  }
};

}  // namespace

link_service::link_service(directory& dir, const read_view& view,
                           const latency_histogram* journal_writes)
    : dir_(dir), view_(view), journal_writes_(journal_writes) {}

void link_service::create(create_link cmd, command_callback done) {
  link_actor target = cmd.code.empty() ? dir_.shard(next_shard_.fetch_add(1) % dir_.shard_count())
                                       : dir_.shard_for(cmd.code);
  caf::anon_send(target, create_atom::value, std::move(cmd), make_command_slot(std::move(done)));
}

void link_service::update(update_link cmd, command_callback done) {
  auto target = dir_.shard_for(cmd.code);
  caf::anon_send(target, update_atom::value, std::move(cmd), make_command_slot(std::move(done)));
}

void link_service::remove(delete_link cmd, command_callback done) {
  auto target = dir_.shard_for(cmd.code);
  caf::anon_send(target, delete_atom::value, std::move(cmd), make_command_slot(std::move(done)));
}

void link_service::import_links(std::vector<create_link> rows, import_callback done) {
  const std::size_t shards = dir_.shard_count();
  std::vector<std::vector<create_link>> parts(shards);
  std::vector<std::vector<std::size_t>> indices(shards);
  // Generated codes are spread over the shards, a share of them each.
  std::size_t next = next_shard_.fetch_add(1);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::size_t shard = rows[i].code.empty() ? next++ % shards : shard_of(rows[i].code, shards);
    parts[shard].push_back(std::move(rows[i]));
    indices[shard].push_back(i);
  }
  auto gather = std::make_shared<import_gather>();
  gather->done = std::move(done);
  for (std::size_t i = 0; i < shards; ++i) gather->remaining += parts[i].empty() ? 0 : 1;
  if (gather->remaining == 0) return gather->done(import_reply{});
  import_reply unavailable;
  unavailable.fail(command_errc::unavailable, kRestarting);
  for (std::size_t i = 0; i < shards; ++i) {
    if (parts[i].empty()) continue;
    auto slot = std::make_shared<reply_slot<import_reply>>(
        [gather, idx = std::move(indices[i])](import_reply part) {
          gather->add(idx, std::move(part));
        },
        unavailable);
    caf::anon_send(dir_.shard(i), import_atom::value, std::move(parts[i]), std::move(slot));
  }
}

void link_service::list(std::string after, std::size_t limit, page_callback done) {
  list(std::move(after), limit, {}, std::move(done));
}

void link_service::list(std::string after, std::size_t limit, std::vector<std::string> tags,
                        page_callback done) {
  limit = std::max<std::size_t>(limit, 1);
  const std::size_t shards = dir_.shard_count();
  auto gather = std::make_shared<page_gather>();
  gather->remaining = shards;
  gather->limit = limit;
  gather->done = std::move(done);
  link_page unavailable;
  unavailable.fail(reply_code::unavailable, kRestarting);
  for (std::size_t i = 0; i < shards; ++i) {
    // One more than asked, so the merge knows whether a next page exists.
    auto slot = std::make_shared<reply_slot<link_page>>(
        [gather](link_page part) { gather->add(std::move(part)); }, unavailable);
    caf::anon_send(dir_.shard(i), list_atom::value, after, static_cast<std::uint64_t>(limit + 1),
                   tags, std::move(slot));
  }
}

void link_service::history(std::string code, std::uint64_t after, std::size_t limit,
                           history_callback done) {
  history_reply unavailable;
  unavailable.fail(reply_code::unavailable, kRestarting);
  auto slot = std::make_shared<reply_slot<history_reply>>(std::move(done), unavailable);
  caf::anon_send(dir_.shard_for(code), history_atom::value, std::move(code), after,
                 static_cast<std::uint64_t>(limit), std::move(slot));
}

void link_service::link_as_of(std::string code, std::uint64_t as_of, as_of_callback done) {
  as_of_reply unavailable;
  unavailable.fail(reply_code::unavailable, kRestarting);
  auto slot = std::make_shared<reply_slot<as_of_reply>>(std::move(done), unavailable);
  caf::anon_send(dir_.shard_for(code), as_of_atom::value, std::move(code), as_of, std::move(slot));
}

}  // namespace linkly
