#include "actors/link_service.hpp"

#include "actors/directory.hpp"

#include <algorithm>
#include <mutex>

namespace linkly {

namespace {

command_slot make_command_slot(command_callback done) {
  return std::make_shared<reply_slot<command_reply>>(
      std::move(done),
      command_reply::failure(command_errc::unavailable, "link service restarting, try again"));
}

// Gathers one page from every shard and merges them in code order.
struct page_gather {
  std::mutex mutex;
  std::vector<link_info> links;
  std::size_t remaining;
  std::size_t limit;
  bool ok = true;
  page_callback done;

  void add(link_page part) {
    std::unique_lock lock(mutex);
    ok = ok && part.ok;
    std::move(part.links.begin(), part.links.end(), std::back_inserter(links));
    if (--remaining > 0) return;
    lock.unlock();
    link_page page;
    page.ok = ok;
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

void link_service::list(std::string after, std::size_t limit, page_callback done) {
  limit = std::max<std::size_t>(limit, 1);
  const std::size_t shards = dir_.shard_count();
  auto gather = std::make_shared<page_gather>();
  gather->remaining = shards;
  gather->limit = limit;
  gather->done = std::move(done);
  link_page unavailable;
  unavailable.ok = false;
  for (std::size_t i = 0; i < shards; ++i) {
    // One more than asked, so the merge knows whether a next page exists.
    auto slot = std::make_shared<reply_slot<link_page>>(
        [gather](link_page part) { gather->add(std::move(part)); }, unavailable);
    caf::anon_send(dir_.shard(i), list_atom::value, after, static_cast<std::uint64_t>(limit + 1),
                   std::move(slot));
  }
}

void link_service::history(std::string code, history_callback done) {
  history_reply unavailable;
  unavailable.ok = false;
  unavailable.error = "link service restarting, try again";
  auto slot = std::make_shared<reply_slot<history_reply>>(std::move(done), unavailable);
  caf::anon_send(dir_.shard_for(code), history_atom::value, std::move(code), std::move(slot));
}

}  // namespace linkly
