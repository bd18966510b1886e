#pragma once
// directory: the current handle of every supervised actor. A restarted actor
// has a new handle (the old one is dead for good); the supervisor writes it
// here and every sender reads it here, so requests keep flowing.
//
// Thread safety: any thread may read or write.

#include "actors/link_interface.hpp"
#include "actors/log_interfaces.hpp"
#include "actors/stream_journal.hpp"

#include <cstddef>
#include <shared_mutex>
#include <string_view>
#include <vector>

namespace linkly {

class directory {
 public:
  explicit directory(std::size_t shards) : shards_(shards) {}

  journal_actor journal() const;
  void set_journal(journal_actor hdl);

  log_reader_actor reader() const;
  void set_reader(log_reader_actor hdl);

  /// Cluster mode only (else null): where link shards publish.
  stream_journal_actor stream_journal() const;
  void set_stream_journal(stream_journal_actor hdl);

  std::size_t shard_count() const { return shards_.size(); }
  link_actor shard(std::size_t index) const;
  link_actor shard_for(std::string_view code) const;
  void set_shard(std::size_t index, link_actor hdl);

 private:
  mutable std::shared_mutex mutex_;
  journal_actor journal_;
  log_reader_actor reader_;
  stream_journal_actor stream_journal_;
  std::vector<link_actor> shards_;
};

}  // namespace linkly
