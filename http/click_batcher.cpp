#include "http/click_batcher.hpp"

#include "actors/click_service.hpp"

#include <algorithm>
#include <utility>

namespace linkly {

click_batcher::click_batcher(boost::asio::io_context& context, click_service& clicks,
                             click_batch_options options, std::shared_ptr<click_spool> spool,
                             std::shared_ptr<payload_pool> payloads)
    : clicks_(clicks), options_(options), timer_(context), payloads_(std::move(payloads)) {
  options_.max_clicks = std::max<std::size_t>(1, options_.max_clicks);
  if (spool) spool_.emplace(std::move(spool));
  batch_.reserve(options_.max_clicks);
}

click_batcher::~click_batcher() {
  flush();
}

void click_batcher::add(envelope click) {
  if (closed_) {
    std::vector<envelope> one;
    one.push_back(std::move(click));
    clicks_.submit(std::move(one));
    return;
  }
  // Unspooled when the spool has no room: written as before, only not
  // safe from a kill.
  if (spool_) spool_->append(click);
  batch_.push_back(std::move(click));
  if (batch_.size() >= options_.max_clicks) return flush();
  if (!armed_) arm();
}

std::string click_batcher::payload_buffer() {
  if (spare_payloads_.empty() && payloads_) payloads_->take(options_.max_clicks, &spare_payloads_);
  if (spare_payloads_.empty()) return {};
  std::string buffer = std::move(spare_payloads_.back());
  spare_payloads_.pop_back();
  return buffer;
}

void click_batcher::flush() {
  if (armed_) {
    armed_ = false;
    timer_.cancel();
  }
  if (batch_.empty()) return;
  // Swap in a vector sized for a whole batch: one allocation per batch.
  std::vector<envelope> out;
  if (!closed_) out.reserve(options_.max_clicks);
  out.swap(batch_);
  clicks_.submit(std::move(out));
}

void click_batcher::close() {
  closed_ = true;
  flush();
  if (spool_) spool_->seal();
}

void click_batcher::arm() {
  armed_ = true;
  timer_.expires_after(options_.max_wait);
  // A cancelled wait (flush, close, destruction) must not touch `this`.
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec == boost::asio::error::operation_aborted) return;
    on_timer();
  });
}

void click_batcher::on_timer() {
  // A wait whose expiry was already queued when flush() cancelled it may
  // still arrive: then it only sends the next batch a little early.
  armed_ = false;
  flush();
}

}  // namespace linkly
