#include "actors/directory.hpp"

#include "actors/link_table.hpp"

#include <mutex>

namespace linkly {

journal_actor directory::journal() const {
  std::shared_lock lock(mutex_);
  return journal_;
}

void directory::set_journal(journal_actor hdl) {
  std::unique_lock lock(mutex_);
  journal_ = std::move(hdl);
}

log_reader_actor directory::reader() const {
  std::shared_lock lock(mutex_);
  return reader_;
}

void directory::set_reader(log_reader_actor hdl) {
  std::unique_lock lock(mutex_);
  reader_ = std::move(hdl);
}

stream_journal_actor directory::stream_journal() const {
  std::shared_lock lock(mutex_);
  return stream_journal_;
}

void directory::set_stream_journal(stream_journal_actor hdl) {
  std::unique_lock lock(mutex_);
  stream_journal_ = std::move(hdl);
}

link_actor directory::shard(std::size_t index) const {
  std::shared_lock lock(mutex_);
  return shards_.at(index);
}

link_actor directory::shard_for(std::string_view code) const {
  return shard(shard_of(code, shards_.size()));
}

void directory::set_shard(std::size_t index, link_actor hdl) {
  std::unique_lock lock(mutex_);
  shards_.at(index) = std::move(hdl);
}

}  // namespace linkly
