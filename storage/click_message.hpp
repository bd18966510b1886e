#pragma once
// The clicks stream's message (cluster mode): one batch of one node's clicks
// log, published on the node's subject "clicks.<node>".
//
//   message := first_seq:u64-le batch
//   batch   := record_format.hpp's encode_batch (each record with seq 0)
//
// first_seq is the seq of the batch's first click in the node's own clicks
// log: how a node finds, after a crash, where its publishing stopped.

#include "schemas/envelope.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linkly {

/// The subject a node publishes its clicks to.
std::string click_subject(std::string_view node);

std::string encode_click_message(std::uint64_t first_seq, const std::vector<envelope>& clicks);

/// Corruption unless `data` is a whole message of at least one click.
status decode_click_message(std::string_view data, std::uint64_t* first_seq,
                            std::vector<envelope>* clicks);

}  // namespace linkly
