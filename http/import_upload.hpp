#pragma once
// import_upload: the connection's half of POST /links/import. The body is
// read in chunks (server_options::import_chunk_bytes) into an import_stream,
// its batches go to link_service one at a time, and reading pauses while a
// full batch waits behind the one in flight. What a row means and what the
// answer says is import_stream's business.
//
// Lives, like its session, as long as an operation holds it: a body read,
// the 100 Continue, a batch awaiting link_service. It holds its session; the
// session sees it weakly (its timer checks the rate, close() frees the slot).

#include "http/sse_stream.hpp"

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace linkly {

class import_stream;
class session;
struct import_reply;

class import_upload : public std::enable_shared_from_this<import_upload> {
 public:
  using head_parser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  /// Takes over the session's parser, whose head has been admitted; `slot`
  /// is the import's, held until the answer. `body_limit` 0: no limit.
  import_upload(std::shared_ptr<session> conn, head_parser&& parser,
                std::unique_ptr<stream_slots::slot> slot, std::uint64_t body_limit);
  ~import_upload();

  /// Sends 100 Continue first when `expect_continue` and a body is to come.
  void start(bool expect_continue);

  /// A body read is in progress.
  bool reading() const { return reading_; }

  /// Once the import has waited on the client for body_read_timeout, it
  /// must have sent import_min_bytes_per_second for every second beyond.
  bool too_slow(std::chrono::steady_clock::time_point now) const;

  /// The timer gave up on the body: the answer says `message` (408).
  void time_out(const std::string& message);

  /// The connection closed: the slot is free at once.
  void release_slot() { slot_.reset(); }

 private:
  void do_read();
  // Body bytes the read in progress (or just ended) has put in chunk_.
  std::size_t read_bytes() const;
  void on_read(boost::beast::error_code ec, std::size_t bytes);
  // Decides the next step: submit a batch, read on, wait, or answer.
  void pump();
  void submit_batch();
  void on_batch(std::uint64_t id, import_reply reply);
  void finish();
  bool closed() const;

  std::shared_ptr<session> conn_;
  std::unique_ptr<import_stream> import_;
  boost::beast::http::request_parser<boost::beast::http::buffer_body> parser_;
  std::unique_ptr<char[]> chunk_;
  std::unique_ptr<stream_slots::slot> slot_;  // held from start to answer
  bool reading_ = false;
  std::uint64_t bytes_ = 0;  // body bytes read so far
  // Time waited on the client (not on the log), and when the read in
  // progress began.
  std::chrono::steady_clock::duration wait_{};
  std::chrono::steady_clock::time_point read_start_;
};

}  // namespace linkly
