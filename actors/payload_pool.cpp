#include "actors/payload_pool.hpp"

#include <algorithm>
#include <utility>

namespace linkly {

void payload_pool::take(std::size_t n, std::vector<std::string>* out) {
  std::lock_guard lock(mutex_);
  n = std::min(n, buffers_.size());
  auto first = buffers_.end() - static_cast<std::ptrdiff_t>(n);
  out->insert(out->end(), std::make_move_iterator(first), std::make_move_iterator(buffers_.end()));
  buffers_.erase(first, buffers_.end());
}

void payload_pool::give(std::vector<envelope>& clicks) noexcept {
  // A string within its inline capacity owns no heap buffer: nothing to keep.
  static const std::size_t inline_capacity = std::string().capacity();
  std::lock_guard lock(mutex_);
  for (envelope& click : clicks) {
    if (buffers_.size() >= max_buffers_) return;
    std::string& payload = click.payload;
    if (payload.capacity() <= inline_capacity || payload.capacity() > kMaxPooledPayloadBytes) {
      continue;
    }
    payload.clear();
    buffers_.push_back(std::move(payload));
  }
}

std::size_t payload_pool::size() const {
  std::lock_guard lock(mutex_);
  return buffers_.size();
}

}  // namespace linkly
