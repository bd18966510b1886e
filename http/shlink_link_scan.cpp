#include "http/shlink_link_scan.hpp"

#include "http/io_worker.hpp"
#include "http/routes.hpp"

#include <memory>
#include <string>
#include <utility>

namespace linkly {

namespace {

struct scan_state {
  link_service* links = nullptr;
  io_worker* worker = nullptr;
  scan_callback done;
  link_scan result;
};

void finish(const std::shared_ptr<scan_state>& state) {
  auto deliver = [state] { state->done(std::move(state->result)); };
  if (state->worker == nullptr) return deliver();
  state->worker->post(std::move(deliver));  // refused only once the server has stopped
}

void next_page(const std::shared_ptr<scan_state>& state, std::string after) {
  // Runs on an actor thread after the first page: list() only sends a message.
  state->links->list(std::move(after), kMaxPageLimit, [state](link_page page) {
    if (!page.ok()) {
      state->result.fail(page.code, page.error);
      return finish(state);
    }
    auto& all = state->result.links;
    if (all.size() + page.links.size() > kShlinkMaxScannedLinks) {
      state->result.fail(reply_code::unavailable,
                         "more than " + std::to_string(kShlinkMaxScannedLinks) +
                             " links: too many to filter or sort in one request");
      return finish(state);
    }
    all.insert(all.end(), std::make_move_iterator(page.links.begin()),
               std::make_move_iterator(page.links.end()));
    if (page.next.empty()) return finish(state);
    next_page(state, std::move(page.next));
  });
}

}  // namespace

void scan_links(link_service* links, io_worker* worker, scan_callback done) {
  auto state = std::make_shared<scan_state>();
  state->links = links;
  state->worker = worker;
  state->done = std::move(done);
  next_page(state, std::string());
}

}  // namespace linkly
